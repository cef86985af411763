// Channel namespaces: matching, per-channel options, and the [[namespace]]
// tables of a config file with their errors.
#include "herald/config/config.hpp"

#include <gtest/gtest.h>

using namespace herald;
using namespace std::chrono_literals;

namespace {

std::string error_of(const std::string& toml) {
    try {
        parse_config_text(toml, "ns.toml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(accepted)";
}

} // namespace

TEST(Namespaces, FirstMatchingPatternWins) {
    const auto c = parse_config_text(R"(
history_size = 7
[[namespace]]
pattern = "room:vip"
history_size = 1
[[namespace]]
pattern = "room:*"
history_size = 50
history_ttl = "10m"
[[namespace]]
pattern = "*"
history_ttl = 30
)");
    ASSERT_EQ(c.namespaces.size(), 3u);
    EXPECT_EQ(find_namespace(c.namespaces, "room:vip"), &c.namespaces[0]);
    EXPECT_EQ(find_namespace(c.namespaces, "room:1"), &c.namespaces[1]);
    EXPECT_EQ(find_namespace(c.namespaces, "user:1"), &c.namespaces[2]);

    EXPECT_EQ(channel_options(c, "room:vip").history_size, 1u);
    EXPECT_EQ(channel_options(c, "room:vip").history_ttl, c.history_ttl); // unset: the global
    EXPECT_EQ(channel_options(c, "room:1").history_size, 50u);
    EXPECT_EQ(channel_options(c, "room:1").history_ttl, 10min);
    EXPECT_EQ(channel_options(c, "user:1").history_size, 7u);
    EXPECT_EQ(channel_options(c, "user:1").history_ttl, 30s);
}

TEST(Namespaces, ChannelsOutsideEveryNamespaceKeepTheGlobalDefaults) {
    const auto c = parse_config_text("history_size = 3\n[[namespace]]\npattern = \"room:*\"\n"
                                     "history_size = 0\n");
    EXPECT_EQ(find_namespace(c.namespaces, "user:1"), nullptr);
    EXPECT_EQ(find_namespace(c.namespaces, "room:"), nullptr); // "room:*" needs a suffix
    EXPECT_EQ(channel_options(c, "user:1").history_size, 3u);
    EXPECT_EQ(channel_options(c, "room:2").history_size, 0u);
    EXPECT_TRUE(parse_config_text("").namespaces.empty());
    EXPECT_TRUE(parse_config_text("namespace = []\n").namespaces.empty());
}

TEST(Namespaces, BadTablesAreRefusedNamingTheFileLineAndOption) {
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"room:*\"\npresense = true\n"),
              "config file ns.toml:3: namespace[0]: unknown option \"presense\"");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"ro*m\"\n"),
              "config file ns.toml:2: namespace[0].pattern: invalid channel pattern \"ro*m\" "
              "(expected a channel name, a prefix ending in ':' followed by '*', or '*')");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\n[[namespace]]\npattern = \"b:*\"\n"
                       "history_ttl = \"10 minutes\"\n"),
              "config file ns.toml:5: namespace[1].history_ttl: invalid duration \"10 minutes\" "
              "(expected e.g. 250ms, 30s, 5m, 1h or integer seconds)");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a:*\"\n[[namespace]]\npattern = \"a:*\"\n"),
              "config file ns.toml:3: namespace[1].pattern: \"a:*\" is already the pattern of an "
              "earlier namespace");
    EXPECT_EQ(error_of("[[namespace]]\nhistory_size = 5\n"),
              "config file ns.toml:1: namespace[0].pattern: required");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nhistory_size = -1\n"),
              "config file ns.toml:3: namespace[0].history_size: must be from 0 to 100000, got -1");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nhistory_size = \"5\"\n"),
              "config file ns.toml:3: namespace[0].history_size: expected an integer, got string '5'");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nhistory_ttl = \"0s\"\n"),
              "config file ns.toml:3: namespace[0].history_ttl: must be at least 1ms, got 0s");
    EXPECT_EQ(error_of("namespace = \"room:*\"\n"),
              "config file ns.toml:1: namespace: expected [[namespace]] tables, got string 'room:*'");
}

TEST(Namespaces, PresenceAndJoinLeaveAreOffUnlessANamespaceTurnsThemOn) {
    const auto c = parse_config_text(R"(
[[namespace]]
pattern = "room:*"
join_leave = true
presence = true
[[namespace]]
pattern = "doc:*"
presence = true
join_leave = false
[[namespace]]
pattern = "*"
history_size = 3
)");
    ASSERT_EQ(c.namespaces.size(), 3u);
    EXPECT_TRUE(c.namespaces[0].presence);
    EXPECT_TRUE(c.namespaces[0].join_leave);
    EXPECT_TRUE(channel_options(c, "room:1").presence);
    EXPECT_TRUE(channel_options(c, "room:1").join_leave);
    EXPECT_TRUE(channel_options(c, "doc:1").presence);
    EXPECT_FALSE(channel_options(c, "doc:1").join_leave);
    EXPECT_FALSE(channel_options(c, "news").presence);
    EXPECT_FALSE(channel_options(c, "news").join_leave);
    EXPECT_FALSE(channel_options(parse_config_text(""), "room:1").presence);
}

TEST(Namespaces, JoinLeaveWithoutPresenceIsRefused) {
    // Whatever the order of the keys, the error points at join_leave.
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"room:*\"\njoin_leave = true\n"),
              "config file ns.toml:3: namespace[0].join_leave: needs presence = true in the same "
              "namespace");
    EXPECT_EQ(error_of("[[namespace]]\njoin_leave = true\npattern = \"room:*\"\n"
                       "presence = false\n"),
              "config file ns.toml:2: namespace[0].join_leave: needs presence = true in the same "
              "namespace");
    // Presence in another namespace does not count.
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\npresence = true\n[[namespace]]\n"
                       "pattern = \"a:*\"\njoin_leave = true\n"),
              "config file ns.toml:6: namespace[1].join_leave: needs presence = true in the same "
              "namespace");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\npresence = \"yes\"\n"),
              "config file ns.toml:3: namespace[0].presence: expected a boolean, got string 'yes'");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\npresence = true\njoin_leave = 1\n"),
              "config file ns.toml:4: namespace[0].join_leave: expected a boolean, got integer 1");
}

TEST(Namespaces, ToTomlWritesThemBack) {
    Config c;
    c.namespaces = {{"room:*", 50, 10min, true, true},
                    {"typing:*", 0, std::nullopt},
                    {"doc:*", std::nullopt, std::nullopt, true, false},
                    {"*", std::nullopt, 1500ms}};
    const auto text = to_toml(c);
    EXPECT_NE(text.find("[[namespace]]"), std::string::npos) << text;
    const auto back = parse_config_text(text, "written");
    EXPECT_EQ(back, c) << text;
    EXPECT_EQ(to_toml(back), text);
    // Only what is on is written: false is the default.
    EXPECT_NE(text.find("join_leave = true"), std::string::npos) << text;
    EXPECT_EQ(text.find("presence = false"), std::string::npos) << text;
    EXPECT_EQ(text.find("join_leave = false"), std::string::npos) << text;
}

TEST(Namespaces, ClientPublishEphemeralEventsAndLatestOnSubscribe) {
    const auto c = parse_config_text(R"(
[[namespace]]
pattern = "room:*"
client_publish = false
ephemeral_events = ["typing", "cursor"]
latest_on_subscribe = true
)");
    const auto& ns = c.namespaces.at(0);
    EXPECT_FALSE(ns.client_publish);
    EXPECT_EQ(ns.ephemeral_events, (std::vector<std::string>{"typing", "cursor"}));
    EXPECT_TRUE(ns.latest_on_subscribe);
    EXPECT_TRUE(is_ephemeral_event(c, "room:1", "typing"));
    EXPECT_FALSE(is_ephemeral_event(c, "room:1", "chat"));
    EXPECT_FALSE(is_ephemeral_event(c, "user:1", "typing"));
    EXPECT_EQ(parse_config_text(to_toml(c), "written"), c) << to_toml(c);

    const auto defaults = parse_config_text("[[namespace]]\npattern = \"a\"\n").namespaces.at(0);
    EXPECT_TRUE(defaults.client_publish);
    EXPECT_TRUE(defaults.ephemeral_events.empty());
    EXPECT_FALSE(defaults.latest_on_subscribe);

    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nephemeral_events = [\"has space\"]\n"),
              "config file ns.toml:3: namespace[0].ephemeral_events: invalid event name \"has "
              "space\" (1-200 printable ASCII characters, no spaces)");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nclient_publish = \"no\"\n"),
              "config file ns.toml:3: namespace[0].client_publish: expected a boolean, got string "
              "'no'");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nephemeral_events = \"typing\"\n"),
              "config file ns.toml:3: namespace[0].ephemeral_events: expected an array of event "
              "names, got string 'typing'");
}

TEST(Namespaces, Upstream) {
    const auto c = parse_config_text("[[namespace]]\npattern = \"room:*\"\nupstream = true\n");
    EXPECT_TRUE(c.namespaces.at(0).upstream);
    EXPECT_EQ(parse_config_text(to_toml(c), "written"), c) << to_toml(c);
    EXPECT_FALSE(parse_config_text("[[namespace]]\npattern = \"a\"\n").namespaces.at(0).upstream);
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nupstream = 1\n"),
              "config file ns.toml:3: namespace[0].upstream: expected a boolean, got integer 1");
}

TEST(Namespaces, SlowConsumerPolicyPerNamespace) {
    const auto c = parse_config_text(R"(
[[namespace]]
pattern = "ticker:*"
slow_consumer = "latest"
[[namespace]]
pattern = "feed:*"
slow_consumer = "drop_oldest"
[[namespace]]
pattern = "chat:*"
history_size = 5
)");
    EXPECT_EQ(channel_options(c, "ticker:eur").slow_consumer, SlowConsumer::latest);
    EXPECT_EQ(channel_options(c, "feed:1").slow_consumer, SlowConsumer::drop_oldest);
    // Left out, and outside any namespace: today's behaviour.
    EXPECT_EQ(channel_options(c, "chat:1").slow_consumer, SlowConsumer::disconnect);
    EXPECT_EQ(channel_options(c, "other").slow_consumer, SlowConsumer::disconnect);
    EXPECT_EQ(c.namespaces[2].slow_consumer, std::nullopt);

    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nslow_consumer = \"drop\"\n"),
              "config file ns.toml:3: namespace[0].slow_consumer: unknown policy \"drop\" "
              "(expected \"disconnect\", \"drop_oldest\" or \"latest\")");
    EXPECT_EQ(error_of("[[namespace]]\npattern = \"a\"\nslow_consumer = 1\n"),
              "config file ns.toml:3: namespace[0].slow_consumer: expected a string, got integer 1");
}

TEST(Namespaces, SlowConsumerRoundTripsThroughToToml) {
    Config c;
    const auto with = [](std::string pattern, std::optional<std::size_t> size,
                         std::optional<SlowConsumer> policy) {
        Namespace ns;
        ns.pattern = std::move(pattern);
        ns.history_size = size;
        ns.slow_consumer = policy;
        return ns;
    };
    c.namespaces = {with("ticker:*", std::nullopt, SlowConsumer::latest),
                    with("feed:*", 3, SlowConsumer::drop_oldest),
                    with("chat:*", std::nullopt, SlowConsumer::disconnect),
                    with("*", 1, std::nullopt)};
    const auto text = to_toml(c);
    EXPECT_NE(text.find("slow_consumer = \"drop_oldest\""), std::string::npos) << text;
    const auto back = parse_config_text(text, "written");
    EXPECT_EQ(back, c) << text;
    EXPECT_EQ(to_toml(back), text);
}
