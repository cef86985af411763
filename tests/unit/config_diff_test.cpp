// diff_config: which changed keys a reload applies, which need a restart.
#include "herald/config/config_diff.hpp"

#include <gtest/gtest.h>

using herald::Config;
using herald::diff_config;
using herald::Millis;
using herald::Namespace;
using Keys = std::vector<std::string>;

TEST(ConfigDiff, NoChangeIsNoChange) {
    Config c;
    auto diff = diff_config(c, c);
    EXPECT_TRUE(diff.applied.empty());
    EXPECT_TRUE(diff.need_restart.empty());
    EXPECT_EQ(diff.config, c);
}

TEST(ConfigDiff, LiveKeysAreApplied) {
    Config running;
    Config next = running;
    next.log_level = "debug";
    next.publish_key = "new";
    next.allowed_origins = {"https://a.example"};
    next.max_connections_per_ip = 7;
    next.max_message_size = 1000;
    next.ws_deflate = false; // new connections stop negotiating; open ones keep theirs
    next.client_message_rate = 3;
    next.drain_window = Millis{2000};
    next.jwt_issuer = "issuer";
    auto diff = diff_config(running, next);
    EXPECT_EQ(diff.applied, (Keys{"log_level", "publish_key", "allowed_origins", "drain_window",
                                  "max_message_size", "ws_deflate", "max_connections_per_ip",
                                  "client_message_rate", "jwt_issuer"}));
    EXPECT_TRUE(diff.need_restart.empty());
    EXPECT_EQ(diff.config, next);
}

TEST(ConfigDiff, RestartOnlyKeysKeepTheirRunningValue) {
    Config running;
    running.redis_sentinels = {"127.0.0.1:26379"};
    running.redis_master_name = "m";
    Config next = running;
    next.listen = "127.0.0.1:9999";
    next.threads = 7;
    next.redis_sentinels = {"127.0.0.1:26380", "127.0.0.1:26381"};
    next.history_ttl = Millis{1234};
    next.insecure = true;
    next.upstream_retries = 9;
    next.publish_key = "live";
    auto diff = diff_config(running, next);
    EXPECT_EQ(diff.need_restart, (Keys{"listen", "threads", "history_ttl", "redis_sentinels",
                                       "insecure", "upstream_retries"}));
    EXPECT_EQ(diff.applied, Keys{"publish_key"});
    Config expected = running;
    expected.publish_key = "live";
    EXPECT_EQ(diff.config, expected);
}

TEST(ConfigDiff, NamespaceOptionsAreLive) {
    Config running;
    running.namespaces = {Namespace{.pattern = "chat:*", .client_publish = false}};
    Config next = running;
    next.namespaces[0].client_publish = true;
    next.namespaces[0].ephemeral_events = {"typing"};
    auto diff = diff_config(running, next);
    EXPECT_EQ(diff.applied, Keys{"namespace"});
    EXPECT_EQ(diff.config.namespaces, next.namespaces);
}

TEST(ConfigDiff, NamespacePatternsHistoryAndPresenceNeedARestart) {
    Config running;
    running.namespaces = {Namespace{.pattern = "chat:*"}};
    for (auto change : {+[](Namespace& ns) { ns.pattern = "room:*"; },
                        +[](Namespace& ns) { ns.history_size = 5; },
                        +[](Namespace& ns) { ns.presence = true; }}) {
        Config next = running;
        change(next.namespaces[0]);
        next.namespaces[0].client_publish = false;
        auto diff = diff_config(running, next);
        EXPECT_EQ(diff.need_restart, Keys{"namespace"});
        EXPECT_TRUE(diff.applied.empty());
        EXPECT_EQ(diff.config.namespaces, running.namespaces) << "kept whole";
    }
    Config more = running;
    more.namespaces.push_back(Namespace{.pattern = "news:*"});
    EXPECT_EQ(diff_config(running, more).need_restart, Keys{"namespace"});
}

TEST(ConfigDiff, AdminKeyRotatesLiveButTurningTheApiOnOrOffNeedsARestart) {
    Config running;
    running.admin_key = "old";
    Config next = running;
    next.admin_key = "new";
    EXPECT_EQ(diff_config(running, next).applied, Keys{"admin_key"});
    next.admin_key.clear();
    auto off = diff_config(running, next);
    EXPECT_EQ(off.need_restart, Keys{"admin_key"});
    EXPECT_EQ(off.config.admin_key, "old");
    auto on = diff_config(next, running);
    EXPECT_EQ(on.need_restart, Keys{"admin_key"});
    EXPECT_EQ(on.config.admin_key, "");
}
