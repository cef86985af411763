// SIGHUP (README "Drain and reload"): the config file is read again; live
// keys apply to new requests at once, restart-only keys are reported and
// kept, an invalid file is refused with the running configuration kept.
#include "auth_fixture.hpp"

#include <gtest/gtest.h>

#include <csignal>

using namespace herald_test;

namespace {

struct Settings {
    std::string listen = "127.0.0.1:0";
    std::string log_level = "info";
    std::string publish_key = "old-key";
    std::string origin = "https://a.example";
    bool latest_on_subscribe = false;
};

std::string config_text(const Settings& s) {
    return "listen = \"" + s.listen + "\"\nlog_level = \"" + s.log_level +
           "\"\npublish_key = \"" + s.publish_key + "\"\nallowed_origins = [\"" + s.origin +
           "\"]\njwt_secret = \"" + kJwtSecret +
           "\"\npublic_channels = [\"broadcast\", \"news:*\"]\n\n[[namespace]]\n"
           "pattern = \"news:*\"\nlatest_on_subscribe = " +
           (s.latest_on_subscribe ? "true" : "false") + "\n";
}

std::size_t occurrences(const std::string& text, const std::string& needle) {
    std::size_t n = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1))
        ++n;
    return n;
}

// The file a reload test's herald reads, and that herald.
class Reload : public ::testing::Test {
protected:
    void start(const Settings& settings) {
        path_ = write_temp_file("reload.toml", config_text(settings));
        herald_ = std::make_unique<HeraldProcess>(std::vector<std::string>{"-c", path_},
                                                  Security::as_configured, 0, false);
    }
    // Rewrites the file, sends SIGHUP and waits until herald has logged the
    // reload's outcome (the next "reload: applied" or "reload: ... invalid").
    bool reload(const std::string& text) {
        write_temp_file("reload.toml", text); // the same path again
        const auto before = outcomes();
        herald_->send_signal(SIGHUP);
        const auto deadline = std::chrono::steady_clock::now() + kTimeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (outcomes() > before)
                return true;
            std::this_thread::sleep_for(Millis{10});
        }
        return false;
    }
    std::size_t outcomes() const {
        const auto log = herald_->log();
        return occurrences(log, "reload: applied") +
               occurrences(log, "reload: the new configuration is invalid");
    }
    unsigned publish_status(const std::string& key) {
        return publish(port(), {{"channel", "broadcast"}, {"data", 1}}, key).status;
    }
    std::uint16_t port() const { return herald_->port(); }

    std::string path_;
    std::unique_ptr<HeraldProcess> herald_;
};

} // namespace

TEST_F(Reload, LiveKeysApplyToNewRequests) {
    start({});
    EXPECT_EQ(publish_status("old-key"), 202u);
    EXPECT_NE(publish_status("new-key"), 202u);
    SseClient b_before(port(), events_target({"broadcast"}), {{"Origin", "https://b.example"}});
    EXPECT_EQ(b_before.status(), 403u);
    publish_event(port(), "news:x", 1, "", "n-1", std::string("old-key"));
    SseClient news_before(port(), events_target({"news:x"}));
    EXPECT_FALSE(news_before.next_event(Millis{300})) << "latest_on_subscribe is off";
    EXPECT_EQ(herald_->log().find("sse open"), std::string::npos) << "debug is off";

    Settings next;
    next.log_level = "debug";
    next.publish_key = "new-key";
    next.origin = "https://b.example";
    next.latest_on_subscribe = true;
    ASSERT_TRUE(reload(config_text(next)));
    EXPECT_TRUE(herald_->wait_for_log(
        "reload: applied 4 changes (log_level, publish_key, allowed_origins, namespace)",
        kTimeout))
        << herald_->log();

    EXPECT_NE(publish_status("old-key"), 202u) << "the old publish key is refused";
    EXPECT_EQ(publish_status("new-key"), 202u);
    SseClient b_after(port(), events_target({"broadcast"}), {{"Origin", "https://b.example"}});
    EXPECT_EQ(b_after.status(), 200u) << b_after.body_prefix();
    SseClient a_after(port(), events_target({"broadcast"}), {{"Origin", "https://a.example"}});
    EXPECT_EQ(a_after.status(), 403u);
    SseClient news_after(port(), events_target({"news:x"}));
    auto latest = news_after.next_event();
    ASSERT_TRUE(latest) << "latest_on_subscribe is on";
    EXPECT_EQ(latest->id, "n-1");
    EXPECT_TRUE(herald_->wait_for_log("sse open", kTimeout)) << "debug is on";
    EXPECT_EQ(metric_value(port(), "herald_config_reloads_total"), 1.0);
    EXPECT_EQ(metric_value(port(), "herald_config_reload_errors_total"), 0.0);
}

TEST_F(Reload, AnInvalidFileKeepsTheRunningConfiguration) {
    start({});
    Settings bad;
    bad.publish_key = "new-key";
    bad.log_level = "loud";
    ASSERT_TRUE(reload(config_text(bad)));
    EXPECT_TRUE(herald_->wait_for_log("unknown log level \"loud\"", kTimeout));
    ASSERT_TRUE(herald_->running());
    EXPECT_EQ(publish_status("old-key"), 202u) << "the running configuration stays";
    EXPECT_NE(publish_status("new-key"), 202u);
    EXPECT_EQ(metric_value(port(), "herald_config_reload_errors_total"), 1.0);

    // A file that TOML cannot read, then a key file that does not exist.
    ASSERT_TRUE(reload("listen = \n"));
    ASSERT_TRUE(reload(config_text({}) + "jwt_secret_file = \"/nonexistent/secret\"\n"));
    EXPECT_EQ(metric_value(port(), "herald_config_reload_errors_total"), 3.0);
    EXPECT_EQ(metric_value(port(), "herald_config_reloads_total"), 0.0);
    EXPECT_EQ(publish_status("old-key"), 202u);
}

TEST_F(Reload, RestartOnlyKeysAreReportedAndKept) {
    start({});
    Settings moved;
    moved.listen = "127.0.0.1:1";
    moved.publish_key = "new-key";
    ASSERT_TRUE(reload(config_text(moved)));
    EXPECT_TRUE(herald_->wait_for_log(
        "reload: listen changed; it takes effect after a restart", kTimeout));
    EXPECT_TRUE(herald_->wait_for_log("reload: applied 1 changes (publish_key)", kTimeout));
    EXPECT_EQ(http_get(port(), "/healthz").status, 200u) << "still on the old port";
    EXPECT_EQ(publish_status("new-key"), 202u) << "the live key in the same file applies";
}
