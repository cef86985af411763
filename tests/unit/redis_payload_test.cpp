#include "herald/broker/redis/payload.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

using namespace herald::redis;

namespace {

Raw raw(std::string_view payload) {
    auto p = classify_payload(payload);
    if (auto* r = std::get_if<Raw>(&p)) {
        return *r;
    }
    ADD_FAILURE() << "not Raw: " << payload;
    return {};
}

Envelope env(std::string_view payload) {
    auto p = classify_payload(payload);
    if (auto* e = std::get_if<Envelope>(&p)) {
        return *e;
    }
    ADD_FAILURE() << "not an Envelope: " << payload;
    return {};
}

std::string bad(std::string_view payload) {
    auto p = classify_payload(payload);
    if (auto* b = std::get_if<BadPayload>(&p)) {
        return b->reason;
    }
    ADD_FAILURE() << "accepted: " << payload.substr(0, 60);
    return {};
}

TEST(Payload, PlainTextBecomesAJsonString) {
    auto r = raw("hello world");
    EXPECT_EQ(r.data_json, "\"hello world\"");
    EXPECT_EQ(r.sse_data, "hello world");

    r = raw("line1\nline2 \"q\" caf\xC3\xA9");
    EXPECT_EQ(r.data_json, "\"line1\\nline2 \\\"q\\\" caf\xC3\xA9\"");
    EXPECT_EQ(r.sse_data, "line1\nline2 \"q\" caf\xC3\xA9");

    r = raw("");
    EXPECT_EQ(r.data_json, "\"\"");
    EXPECT_EQ(r.sse_data, "");

    r = raw("{not json");
    EXPECT_EQ(r.data_json, "\"{not json\"");
}

TEST(Payload, JsonThatIsNotAnEnvelopeIsCompacted) {
    auto r = raw(" [1, 2, {\"a\" : null}] ");
    EXPECT_EQ(r.data_json, "[1,2,{\"a\":null}]");
    EXPECT_EQ(r.sse_data, r.data_json);
    EXPECT_EQ(raw("42").data_json, "42");
    EXPECT_EQ(raw("true").sse_data, "true");
    EXPECT_EQ(raw("null").data_json, "null");
    EXPECT_EQ(raw("{\"foo\": 1}").data_json, "{\"foo\":1}");
    EXPECT_EQ(raw("{}").data_json, "{}");
    // Keys are matched exactly: "Data" is not "data".
    EXPECT_EQ(raw("{\"Data\":1}").data_json, "{\"Data\":1}");
}

TEST(Payload, JsonStringKeepsItsTextForSse) {
    auto r = raw("\"hi\\nthere\"");
    EXPECT_EQ(r.data_json, "\"hi\\nthere\"");
    EXPECT_EQ(r.sse_data, "hi\nthere");
}

TEST(Payload, EnvelopeWithAllFields) {
    auto e = env(R"({"event":"notification","id":"n-1","data":{"text":"Hello"}})");
    EXPECT_EQ(e.event, "notification");
    EXPECT_EQ(e.id, "n-1");
    EXPECT_EQ(e.data_json, R"({"text":"Hello"})");
    EXPECT_EQ(e.sse_data, e.data_json);
}

TEST(Payload, EnvelopeDefaultsAndIgnoredKeys) {
    auto e = env(R"({"data":"plain text","channel":"x","extra":[1]})");
    EXPECT_EQ(e.event, "message");
    EXPECT_FALSE(e.id);
    EXPECT_EQ(e.data_json, "\"plain text\"");
    EXPECT_EQ(e.sse_data, "plain text");

    e = env(R"({"event":"ping"})");
    EXPECT_EQ(e.event, "ping");
    EXPECT_EQ(e.data_json, "null");
    EXPECT_EQ(e.sse_data, "null");

    e = env(R"({"id":"x1"})");
    EXPECT_EQ(e.id, "x1");
    EXPECT_EQ(e.data_json, "null");

    e = env(R"({"data":null})");
    EXPECT_EQ(e.data_json, "null");
}

TEST(Payload, EnvelopeWithInvalidEventOrId) {
    EXPECT_NE(bad(R"({"event":"has space","data":1})").find("event"), std::string::npos);
    EXPECT_NE(bad(R"({"event":"","data":1})").find("event"), std::string::npos);
    EXPECT_NE(bad(R"({"event":42,"data":1})").find("event"), std::string::npos);
    EXPECT_NE(bad(R"({"event":null})").find("event"), std::string::npos);
    EXPECT_NE(bad(R"({"event":"caf\u00e9"})").find("event"), std::string::npos);
    EXPECT_NE(bad(R"({"id":"","data":1})").find("id"), std::string::npos);
    EXPECT_NE(bad(R"({"id":7,"data":1})").find("id"), std::string::npos);
    EXPECT_NE(bad(R"({"id":"a\nb"})").find("id"), std::string::npos);
    EXPECT_NE(bad("{\"id\":\"" + std::string(201, 'x') + "\"}").find("id"), std::string::npos);
    EXPECT_EQ(env("{\"id\":\"" + std::string(200, 'x') + "\"}").id->size(), 200u);
}

TEST(Payload, InvalidUtf8IsRefused) {
    EXPECT_NE(bad("\xFF").find("UTF-8"), std::string::npos);
    EXPECT_NE(bad("caf\xC3").find("UTF-8"), std::string::npos);
    EXPECT_NE(bad("\xED\xA0\x80").find("UTF-8"), std::string::npos); // surrogate
    EXPECT_NE(bad("\"\xC0\xAF\"").find("UTF-8"), std::string::npos); // overlong in JSON
    EXPECT_NE(bad("{\"data\":\"\xF4\x90\x80\x80\"}").find("UTF-8"), std::string::npos);
}

TEST(Payload, EscapedLoneSurrogateIsNotJson) {
    // nlohmann refuses "\ud800"; the text is then delivered as a string.
    auto r = raw(R"("\ud800")");
    EXPECT_EQ(r.sse_data, R"("\ud800")");
    EXPECT_EQ(nlohmann::json::parse(r.data_json).get<std::string>(), R"("\ud800")");
}

std::string nested(std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
}

TEST(Payload, NestingIsBoundedLikePublish) {
    EXPECT_EQ(raw(nested(64)).data_json, nested(64));
    EXPECT_NE(bad(nested(65)).find("nested"), std::string::npos);
    EXPECT_NE(bad("{\"data\":" + nested(64) + "}").find("nested"), std::string::npos);
    EXPECT_NE(bad(nested(1000000)).find("nested"), std::string::npos);
    // Brackets inside strings do not count.
    EXPECT_EQ(raw("\"" + std::string(1000, '[') + "\"").sse_data, std::string(1000, '['));
}

TEST(Payload, MakeEnvelopeRoundTrips) {
    using nlohmann::json;
    const json values[] = {nullptr,
                           true,
                           0,
                           -1,
                           1.5,
                           "text",
                           "l1\nl2 \"q\"",
                           "caf\xC3\xA9",
                           json::array(),
                           {1, "a", nullptr},
                           {{"k", {{"n", 1}}}},
                           18446744073709551615ull,
                           -9223372036854775807ll - 1,
                           1e300,
                           json::object()};
    for (const auto& value : values) {
        const std::string data_json = value.dump();
        for (const auto* id : {"", "id-1"}) {
            const auto text = make_envelope("update", id, data_json);
            auto e = env(text);
            EXPECT_EQ(e.event, "update") << text;
            EXPECT_EQ(e.id.value_or(""), id) << text;
            EXPECT_EQ(e.data_json, data_json) << text;
            EXPECT_EQ(e.sse_data, value.is_string() ? value.get<std::string>() : data_json);
        }
    }
}

TEST(Payload, MakeEnvelopeShape) {
    EXPECT_EQ(make_envelope("message", "a\"b", "[1]"),
              R"({"event":"message","id":"a\"b","data":[1]})");
    EXPECT_EQ(make_envelope("message", "", ""), R"({"event":"message","data":null})");
    // Even the data of a plain-text publish survives: it is a JSON string.
    auto e = env(make_envelope("message", "", raw("hi").data_json));
    EXPECT_EQ(e.sse_data, "hi");
}

} // namespace

TEST(Payload, EphemeralAndSenderTravelInTheEnvelope) {
    const auto text = make_envelope("typing", "", "{}", true, "42");
    EXPECT_EQ(text, R"({"event":"typing","ephemeral":true,"from":"42","data":{}})");
    auto classified = classify_payload(text);
    auto* e = std::get_if<Envelope>(&classified);
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->ephemeral);
    EXPECT_EQ(e->from, "42");
    EXPECT_FALSE(e->id);
    EXPECT_TRUE(std::holds_alternative<BadPayload>(classify_payload(R"({"from":7,"data":1})")));
    EXPECT_TRUE(std::holds_alternative<BadPayload>(classify_payload(R"({"from":"a b","data":1})")));
    EXPECT_TRUE(
        std::holds_alternative<BadPayload>(classify_payload(R"({"ephemeral":"yes","data":1})")));
}

TEST(Payload, KeyTravelsInTheEnvelope) {
    const auto text = make_envelope("price", "p-1", "1", false, "", "BTC");
    EXPECT_EQ(text, R"({"event":"price","id":"p-1","key":"BTC","data":1})");
    auto e = env(text);
    EXPECT_EQ(e.key, "BTC");
    EXPECT_EQ(env(R"({"event":"price","data":1})").key, "");
    EXPECT_TRUE(std::holds_alternative<BadPayload>(classify_payload(R"({"data":1,"key":5})")));
}
