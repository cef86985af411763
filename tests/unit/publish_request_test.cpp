#include "herald/hub/channel.hpp"
#include "herald/http/publish_request.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace {

using herald::parse_publish_body;
using herald::PublishParseError;
using herald::PublishRequest;

std::vector<PublishRequest> ok(std::string_view body, std::size_t max_batch = 1000) {
    auto result = parse_publish_body(body, max_batch);
    if (const auto* error = std::get_if<PublishParseError>(&result)) {
        ADD_FAILURE() << "unexpected error for " << body << ": " << error->message;
        return {};
    }
    return std::get<std::vector<PublishRequest>>(std::move(result));
}

PublishParseError fail(std::string_view body, std::size_t max_batch = 1000) {
    auto result = parse_publish_body(body, max_batch);
    if (!std::holds_alternative<PublishParseError>(result)) {
        ADD_FAILURE() << "expected an error for " << body;
        return {};
    }
    return std::get<PublishParseError>(std::move(result));
}

// Every error must name its field at the start of the message.
void expect_error(std::string_view body, const std::string& field, const std::string& text) {
    const PublishParseError error = fail(body);
    EXPECT_EQ(error.field, field) << body;
    EXPECT_EQ(error.message.rfind(field + ": ", 0), 0u) << error.message;
    EXPECT_NE(error.message.find(text), std::string::npos) << error.message;
}

TEST(Channel, Validation) {
    EXPECT_TRUE(herald::is_valid_channel("user:42"));
    EXPECT_TRUE(herald::is_valid_channel("a"));
    EXPECT_TRUE(herald::is_valid_channel("Az09_-:.@/="));
    EXPECT_TRUE(herald::is_valid_channel(std::string(200, 'c')));
    EXPECT_FALSE(herald::is_valid_channel(std::string(201, 'c')));
    EXPECT_FALSE(herald::is_valid_channel(""));
    for (const char* bad : {"a b", "a*", "*", "a\n", "caf\xc3\xa9", "a#b", "a+b", "a\"b"}) {
        EXPECT_FALSE(herald::is_valid_channel(bad)) << bad;
    }
    EXPECT_FALSE(herald::is_valid_channel(std::string("a\0b", 3)));
}

TEST(Channel, EventNameAndIdValidation) {
    EXPECT_TRUE(herald::is_valid_event_name("notification"));
    EXPECT_TRUE(herald::is_valid_event_name("!~\"\\{}"));
    EXPECT_TRUE(herald::is_valid_event_name(std::string(200, 'e')));
    EXPECT_FALSE(herald::is_valid_event_name(std::string(201, 'e')));
    EXPECT_FALSE(herald::is_valid_event_name(""));
    EXPECT_FALSE(herald::is_valid_event_name("a b"));
    EXPECT_FALSE(herald::is_valid_event_name("a\rb"));
    EXPECT_FALSE(herald::is_valid_event_name("\x7f"));
    EXPECT_FALSE(herald::is_valid_event_name("\xc3\xa9"));
    EXPECT_TRUE(herald::is_valid_event_id("evt-1:2"));
    EXPECT_FALSE(herald::is_valid_event_id("a\nb"));
    EXPECT_FALSE(herald::is_valid_event_id(std::string("a\0", 2)));
    EXPECT_FALSE(herald::is_valid_event_id(std::string(201, 'i')));
}

TEST(PublishRequest, SingleObjectWithDefaults) {
    const auto requests = ok(R"({"channel":"user:42","data":{ "a" : [1, 2] }})");
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].channel, "user:42");
    EXPECT_EQ(requests[0].event, "message");
    EXPECT_FALSE(requests[0].id.has_value());
    EXPECT_EQ(requests[0].data_json, R"({"a":[1,2]})");
    EXPECT_EQ(requests[0].sse_data, R"({"a":[1,2]})");
}

TEST(PublishRequest, EventIdAndStringData) {
    const auto requests =
        ok(R"({"channel":"c","event":"note","id":"e-1","data":"two\nlines \u00e9"})");
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].event, "note");
    ASSERT_TRUE(requests[0].id.has_value());
    EXPECT_EQ(*requests[0].id, "e-1");
    EXPECT_EQ(requests[0].data_json, "\"two\\nlines \xc3\xa9\"");
    EXPECT_EQ(requests[0].sse_data, "two\nlines \xc3\xa9");
}

TEST(PublishRequest, ScalarAndNullData) {
    EXPECT_EQ(ok(R"({"channel":"c","data":null})").at(0).data_json, "null");
    EXPECT_EQ(ok(R"({"channel":"c","data":null})").at(0).sse_data, "null");
    EXPECT_EQ(ok(R"({"channel":"c","data":42})").at(0).data_json, "42");
    EXPECT_EQ(ok(R"({"channel":"c","data":false})").at(0).sse_data, "false");
    EXPECT_EQ(ok(R"({"channel":"c","data":""})").at(0).sse_data, "");
    EXPECT_EQ(ok(R"({"channel":"c","data":""})").at(0).data_json, "\"\"");
}

TEST(PublishRequest, Batch) {
    const auto requests = ok(R"([{"channel":"a","data":1},{"channel":"b","data":"x","event":"e"},
                                 {"channel":"c","data":[],"id":"9"}])");
    ASSERT_EQ(requests.size(), 3u);
    EXPECT_EQ(requests[0].channel, "a");
    EXPECT_EQ(requests[1].event, "e");
    EXPECT_EQ(requests[1].sse_data, "x");
    EXPECT_EQ(requests[2].id, "9");
    EXPECT_EQ(ok(R"([{"channel":"a","data":1},{"channel":"b","data":2}])", 2).size(), 2u);
}

TEST(PublishRequest, BodyErrors) {
    expect_error("", "body", "invalid JSON");
    expect_error("{", "body", "invalid JSON");
    expect_error(R"({"channel":"c","data":1} trailing)", "body", "invalid JSON");
    expect_error("42", "body", "object");
    expect_error("\"str\"", "body", "object");
    expect_error("null", "body", "object");
    expect_error("[]", "body", "empty");
    const PublishParseError error =
        fail(R"([{"channel":"a","data":1},{"channel":"a","data":1}])", 1);
    EXPECT_EQ(error.field, "body");
    EXPECT_NE(error.message.find("max 1 "), std::string::npos) << error.message;
}

TEST(PublishRequest, FieldErrorsNameTheField) {
    expect_error(R"({"data":1})", "channel", "required");
    expect_error(R"({"channel":5,"data":1})", "channel", "must be a string");
    expect_error(R"({"channel":"","data":1})", "channel", "invalid channel name");
    expect_error(R"({"channel":"a*b","data":1})", "channel", "invalid channel name");
    expect_error(R"({"channel":"a\u0000b","data":1})", "channel", "invalid channel name");
    expect_error(R"({"channel":")" + std::string(201, 'c') + R"(","data":1})", "channel",
                 "1-200 chars");
    expect_error(R"({"channel":"c"})", "data", "required");
    expect_error(R"({"channel":"c","data":1,"event":7})", "event", "must be a string");
    expect_error(R"({"channel":"c","data":1,"event":null})", "event", "must be a string");
    expect_error(R"({"channel":"c","data":1,"event":"has space"})", "event", "invalid event name");
    expect_error(R"({"channel":"c","data":1,"event":""})", "event", "invalid event name");
    expect_error(R"({"channel":"c","data":1,"event":"a\nb"})", "event", "invalid event name");
    expect_error(R"({"channel":"c","data":1,"id":1})", "id", "must be a string");
    expect_error(R"({"channel":"c","data":1,"id":"a\r"})", "id", "invalid id");
    expect_error(R"({"channel":"c","data":1,"id":""})", "id", "invalid id");
    expect_error(R"({"channel":"c","data":1,"foo":2})", "foo", "unknown field");
    // Found by fuzz_envelope: an empty key gave field "" and ": unknown field".
    expect_error(R"({"":0,"channel":"c","data":1})", R"("")", "unknown field");
    expect_error(R"([{"channel":"c","data":1,"":0}])", R"([0]."")", "unknown field");
}

TEST(PublishRequest, BatchErrorsArePrefixedWithIndex) {
    expect_error(R"([{"channel":"a","data":1},{"data":1}])", "[1].channel", "required");
    expect_error(R"([{"channel":"a","data":1},{"channel":"b"}])", "[1].data", "required");
    expect_error(R"([{"channel":"a","data":1},1])", "[1]", "must be a JSON object");
    expect_error(R"([[{"channel":"a","data":1}]])", "[0]", "must be a JSON object");
    expect_error(R"([null])", "[0]", "must be a JSON object");
    expect_error(
        R"([{"channel":"a","data":1},{"channel":"a","data":1},{"channel":"a","data":1,"foo":0}])",
        "[2].foo", "unknown field");
    expect_error(R"([{"channel":"a","data":1,"event":"x y"}])", "[0].event", "invalid event name");
}

TEST(PublishRequest, LongUnknownKeyIsShortenedInTheError) {
    const PublishParseError error =
        fail(R"({"channel":"c","data":1,")" + std::string(10000, 'k') + R"(":0})");
    EXPECT_EQ(error.field, std::string(64, 'k'));
}

TEST(PublishRequest, InvalidUtf8IsAnError) {
    expect_error("{\"channel\":\"c\",\"data\":\"\xff\"}", "body", "invalid JSON");
    expect_error("{\"channel\":\"c\",\"data\":\"\xc3\"}", "body", "invalid JSON");     // truncated
    expect_error("{\"channel\":\"c\",\"data\":\"\xc0\xaf\"}", "body", "invalid JSON"); // overlong
    expect_error("{\"channel\":\"c\",\"data\":\"\xed\xa0\x80\"}", "body",
                 "invalid JSON");                                               // surrogate
    expect_error(R"({"channel":"c","data":"\ud800"})", "body", "invalid JSON"); // lone escape
    expect_error("\xfe\xff{}", "body", "invalid JSON");
    expect_error("{\"\xff\":1}", "body", "invalid JSON");
}

TEST(PublishRequest, NestedData) {
    const std::size_t inner = herald::max_publish_json_depth - 1; // the outer object is one level
    const std::string data = std::string(inner, '[') + std::string(inner, ']');
    EXPECT_EQ(ok(R"({"channel":"c","data":)" + data + "}").at(0).data_json, data);

    const std::string deeper = std::string(inner + 1, '[') + std::string(inner + 1, ']');
    expect_error(R"({"channel":"c","data":)" + deeper + "}", "body", "nested too deeply");
    // Brackets inside strings do not count.
    const std::string in_string = "\"" + std::string(1000, '[') + "\\\"" + "\"";
    EXPECT_EQ(ok(R"({"channel":"c","data":)" + in_string + "}").size(), 1u);
    // Far beyond any stack: must be refused, not crash.
    expect_error(std::string(1 << 20, '['), "body", "nested too deeply");
    expect_error(R"([{"channel":"c","data":)" + std::string(500000, '{'), "body",
                 "nested too deeply");
}

TEST(PublishRequest, ArbitraryBytesNeverThrow) {
    std::mt19937 rng(1234);
    const std::string seed =
        R"([{"channel":"a:b","event":"e","id":"1","data":{"x":[1,"\u00e9",null]}}])";
    for (int i = 0; i < 3000; ++i) {
        std::string input = seed;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t pos = rng() % input.size();
            switch (rng() % 3) {
            case 0:
                input[pos] = static_cast<char>(rng());
                break;
            case 1:
                input.erase(pos, 1 + rng() % 3);
                break;
            default:
                input.insert(pos, 1, "[]{}\",:\\\xff\xc3"[rng() % 11]);
                break;
            }
            if (input.empty()) {
                input = "{";
            }
        }
        const auto result = parse_publish_body(input);
        if (const auto* error = std::get_if<PublishParseError>(&result)) {
            EXPECT_EQ(error->message.rfind(error->field + ": ", 0), 0u) << error->message;
        }
    }
}

} // namespace

TEST(PublishRequest, EphemeralFlag) {
    EXPECT_FALSE(ok(R"({"channel":"a","data":1})")[0].ephemeral);
    EXPECT_TRUE(ok(R"({"channel":"a","data":1,"ephemeral":true})")[0].ephemeral);
    EXPECT_FALSE(ok(R"({"channel":"a","data":1,"ephemeral":false})")[0].ephemeral);
}

TEST(PublishRequest, KeyForTheLatestPolicy) {
    EXPECT_EQ(ok(R"({"channel":"a","data":1})")[0].key, "");
    EXPECT_EQ(ok(R"({"channel":"a","data":1,"key":"BTC-USD"})")[0].key, "BTC-USD");
    for (const char* body : {R"({"channel":"a","data":1,"key":7})",
                             R"({"channel":"a","data":1,"key":""})",
                             R"({"channel":"a","data":1,"key":"a b"})"}) {
        auto parsed = herald::parse_publish_body(body);
        ASSERT_TRUE(std::holds_alternative<herald::PublishParseError>(parsed)) << body;
        EXPECT_EQ(std::get<herald::PublishParseError>(parsed).field, "key") << body;
    }
}
