// parse_config_text and to_toml: the entry points the config fuzzer uses.
#include "herald/config/config.hpp"

#include <gtest/gtest.h>

using namespace herald;
using namespace std::chrono_literals;

TEST(ConfigText, EmptyTextGivesDefaults) {
    EXPECT_EQ(parse_config_text(""), Config{});
}

TEST(ConfigText, ReadsKeysAndChecksRanges) {
    const auto c = parse_config_text("threads = 3\nhistory_ttl = \"90s\"\nmax_body_size = "
                                     "\"2MiB\"\nallowed_origins = [\"https://a\", \"b,c\"]\n");
    EXPECT_EQ(c.threads, 3u);
    EXPECT_EQ(c.history_ttl, 90s);
    EXPECT_EQ(c.max_body_size, std::size_t{2} << 20);
    EXPECT_EQ(c.allowed_origins, (std::vector<std::string>{"https://a", "b,c"}));
    EXPECT_THROW(parse_config_text("max_message_size = 100\n"), ConfigError); // below 125
    EXPECT_THROW(parse_config_text("nope = 1\n"), ConfigError);
    EXPECT_THROW(parse_config_text("threads = [\n"), ConfigError);
}

TEST(ConfigText, ErrorsNameTheSource) {
    try {
        parse_config_text("threads = \"x\"\n", "inline.toml");
        FAIL() << "accepted a string for threads";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("inline.toml:1"), std::string::npos) << e.what();
    }
}

TEST(ConfigText, ToTomlReadsBackEqual) {
    Config c;
    c.listen = "[::1]:0";
    c.publish_key = "tab\there \"quoted\" \xc3\xa9";
    c.allowed_origins = {"https://a.example", "with,comma"};
    c.heartbeat_interval = 250ms;
    c.history_ttl = 7h;
    c.max_queued_bytes = 3 << 10;
    c.max_channels_per_connection = 9'223'372'036'854'775'807ULL;
    c.redis_url = "redis://u:p@h:1/2";
    const auto text = to_toml(c);
    const auto back = parse_config_text(text, "written");
    EXPECT_EQ(back, c) << text;
    EXPECT_EQ(to_toml(back), text);
    EXPECT_EQ(parse_config_text(to_toml(Config{})), Config{});
}

TEST(ConfigText, ARedisUrlFoundByTheFuzzerReadsBackEqual) {
    // fuzz_config, 2026-12-05: a unix URL with a newline and a long db.
    const std::string input = "redis_url = \"\\nix:///ruk?db=0000000000000000483362912,"
                              "5555555555%5555555578592808048&pass5=55ecret\"\n";
    const auto c = parse_config_text(input, "fuzz.toml");
    const auto text = to_toml(c);
    const auto back = parse_config_text(text, "written");
    EXPECT_EQ(back.redis_url, c.redis_url) << text;
    EXPECT_EQ(back, c) << text;
}
