#include "herald/wire/event_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using herald::encode_event_json;

TEST(EventJson, ExactBytesInFieldOrder) {
    // Field order is part of the wire format clients see (the frame is shared
    // by every recipient, so the bytes are fixed once).
    EXPECT_EQ(encode_event_json("user:42", "notification", "n-1", R"({"a":[1,2]})"),
              R"({"channel":"user:42","event":"notification","id":"n-1","data":{"a":[1,2]}})");
    EXPECT_EQ(encode_event_json("c", "message", "1", "null"),
              R"({"channel":"c","event":"message","id":"1","data":null})");
}

TEST(EventJson, QuotesFieldsAndKeepsDataVerbatim) {
    const auto text = encode_event_json("room:1", R"(a"b\c)", "bad\xff", R"("x\ny")");
    const auto value = nlohmann::json::parse(text); // valid UTF-8 JSON
    EXPECT_EQ(value["event"], R"(a"b\c)");
    EXPECT_EQ(value["id"], "bad\xef\xbf\xbd"); // U+FFFD
    EXPECT_EQ(value["data"], "x\ny");
    EXPECT_NE(text.find(R"("data":"x\ny")"), std::string::npos);
}

TEST(EventJson, EphemeralHasNoIdAndAClientPublishNamesItsSender) {
    EXPECT_EQ(encode_event_json("room:1", "typing", "", "{}", "42"),
              R"({"channel":"room:1","event":"typing","from":"42","data":{}})");
    EXPECT_EQ(encode_event_json("room:1", "chat", "c-1", R"("hi")", "42"),
              R"({"channel":"room:1","event":"chat","id":"c-1","from":"42","data":"hi"})");
    EXPECT_EQ(herald::encode_from_envelope("anon-x", R"({"a":1})"),
              R"({"from":"anon-x","data":{"a":1}})");
}
