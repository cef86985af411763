#include "herald/wire/control_json.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

TEST(ControlJson, ExactBytesWithTypeFirst) {
    EXPECT_EQ(herald::encode_hello_json(30000), R"({"type":"hello","heartbeat":30000})");
    EXPECT_EQ(herald::encode_hello_json(-5), R"({"type":"hello","heartbeat":0})");
    EXPECT_EQ(herald::encode_heartbeat_json(), R"({"type":"heartbeat"})");
    EXPECT_EQ(herald::encode_reset_json("history gap"),
              R"({"type":"reset","reason":"history gap"})");
    EXPECT_EQ(herald::encode_dropped_json(12),
              R"({"type":"reset","reason":"slow consumer: 12 events dropped","dropped":12})");
}

TEST(ControlJson, ResetReasonIsQuotedAndValidUtf8) {
    const auto reset = nlohmann::json::parse(herald::encode_reset_json("say \"hi\"\n\x01"));
    EXPECT_EQ(reset["reason"], "say \"hi\"\n\x01");
    const auto bad = nlohmann::json::parse(herald::encode_reset_json("bad \xff"));
    EXPECT_EQ(bad["reason"], "bad \xef\xbf\xbd"); // U+FFFD
}
