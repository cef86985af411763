#include "herald/upstream/upstream_message.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace herald::upstream;

namespace {

Message sample() {
    return {"room:1", "u42", R"({"text":"hi \"there\""})", "node-a", 1700000000123, "c1"};
}

TEST(UpstreamMessage, XaddArgv) {
    EXPECT_EQ(
        xadd_argv("herald:upstream", 1000, sample()),
        (std::vector<std::string>{"XADD", "herald:upstream", "MAXLEN", "~", "1000", "*", "channel",
                                  "room:1", "user", "u42", "data", R"({"text":"hi \"there\""})",
                                  "node", "node-a", "ts", "1700000000123"}));
}

TEST(UpstreamMessage, HttpBodyIsJsonWithEveryField) {
    auto m = sample();
    m.user = "a\"b";
    const auto body = nlohmann::json::parse(http_body(m));
    EXPECT_EQ(body["channel"], "room:1");
    EXPECT_EQ(body["user"], "a\"b");
    EXPECT_EQ(body["data"]["text"], "hi \"there\"");
    EXPECT_EQ(body["node"], "node-a");
    EXPECT_EQ(body["ts"], 1700000000123);
    EXPECT_EQ(body["ref"], "c1");
}

} // namespace
