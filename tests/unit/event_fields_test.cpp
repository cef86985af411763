#include "herald/hub/event_fields.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using nlohmann::json;

std::optional<herald::EventFieldError> read(const std::string& text, std::string& name,
                                            std::optional<std::string>& id) {
    bool ephemeral = false;
    std::string key;
    return herald::read_event_fields(json::parse(text), name, id, ephemeral, key);
}

} // namespace

TEST(EventFields, AbsentMembersLeaveTheDefaults) {
    std::string name = "message";
    std::optional<std::string> id;
    EXPECT_FALSE(read(R"({"data":1})", name, id));
    EXPECT_EQ(name, "message");
    EXPECT_FALSE(id);
    EXPECT_FALSE(read(R"({"event":"typing","id":"p-1"})", name, id));
    EXPECT_EQ(name, "typing");
    EXPECT_EQ(id, "p-1");
}

TEST(EventFields, RefusalsNameTheField) {
    for (const auto& [text, field, what] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {R"({"event":7})", "event", "must be a string"},
             {R"({"event":"a b"})", "event", "invalid event name"},
             {R"({"event":""})", "event", "invalid event name"},
             {R"({"id":null})", "id", "must be a string"},
             {R"({"id":"a\r"})", "id", "invalid id"},
             {R"({"event":"ok","id":""})", "id", "invalid id"}}) {
        std::string name = "message";
        std::optional<std::string> id;
        const auto error = read(text, name, id);
        ASSERT_TRUE(error) << text;
        EXPECT_EQ(error->field, field) << text;
        EXPECT_TRUE(error->what.starts_with(what)) << text << ": " << error->what;
    }
}
