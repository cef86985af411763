// Authentication on GET /events: 401/403 with JSON bodies, the three token
// sources, user:<sub> auto-subscription, Origin refusals, --insecure.
#include "auth_fixture.hpp"

using namespace herald_test;

class AuthSse : public ::testing::Test {
protected:
    HeraldProcess herald{secure_flags(), Security::as_configured};
};

TEST_F(AuthSse, NoTokenGetsOnlyPublicChannels) {
    SseClient refused(herald.port(), events_target({"room:1"}));
    expect_refused(refused.status(), refused.body_prefix(), 401, "channel");
    EXPECT_EQ(refused.header("WWW-Authenticate"), "Bearer realm=\"herald\"");

    SseClient open(herald.port(), events_target({"broadcast"}));
    EXPECT_EQ(open.status(), 200u);
    publish_event(herald.port(), "broadcast", "hello", {}, "b-1");
    auto event = open.next_event();
    ASSERT_TRUE(event);
    EXPECT_EQ(event->id, "b-1");
    EXPECT_GE(auth_failures(herald.port(), "no_token"), 1);
}

TEST_F(AuthSse, BadTokensAre401) {
    for (const auto& [token, reason] : std::vector<std::pair<std::string, std::string>>{
             {"garbage", "malformed"},
             {make_token({{"sub", "1"}}, 300, kJwtSecret + "-other"), "bad_signature"},
             {make_token({{"sub", "1"}}, -120), "expired"}}) {
        SseClient refused(herald.port(), events_target({"broadcast"}),
                          {{"Authorization", "Bearer " + token}});
        expect_refused(refused.status(), refused.body_prefix(), 401, "token");
        EXPECT_GE(auth_failures(herald.port(), reason), 1) << reason;
    }
}

TEST_F(AuthSse, ChannelOutsideTheClaimsIs403) {
    auto token = make_token({{"sub", "42"}, {"channels", {"room:*"}}});
    SseClient refused(herald.port(), events_target({"room:1", "secret:1"}, "token=" + token));
    expect_refused(refused.status(), refused.body_prefix(), 403, "channel");
    // Another user's channel is not the token's own.
    SseClient other(herald.port(), events_target({"user:43"}, "token=" + token));
    expect_refused(other.status(), other.body_prefix(), 403, "channel");
    EXPECT_GE(auth_failures(herald.port(), "forbidden_channel"), 2);
}

TEST_F(AuthSse, TokenFromHeaderQueryAndCookieSubscribesUserChannel) {
    auto token = make_token({{"sub", "42"}, {"channels", {"room:*"}}});
    std::vector<std::unique_ptr<SseClient>> clients;
    // No channel at all: the token's own user channel is enough.
    clients.push_back(std::make_unique<SseClient>(herald.port(), "/events",
                                                  Headers{{"Authorization", "Bearer " + token}}));
    clients.push_back(
        std::make_unique<SseClient>(herald.port(), events_target({"room:1"}, "token=" + token)));
    clients.push_back(std::make_unique<SseClient>(
        herald.port(), events_target({"room:1"}),
        Headers{{"Cookie", "theme=dark; herald_token=" + token + "; x=y"}}));
    for (auto& c : clients)
        ASSERT_EQ(c->status(), 200u) << c->body_prefix();
    publish_event(herald.port(), "user:42", {{"n", 1}}, "notification", "u-1");
    for (auto& c : clients) {
        auto event = c->next_event();
        ASSERT_TRUE(event);
        EXPECT_EQ(event->id, "u-1");
    }
    EXPECT_TRUE(herald.wait_for_log("user=42", kTimeout));
}

TEST_F(AuthSse, ForeignOriginIs403AndAllowedOriginGetsCors) {
    SseClient evil(herald.port(), events_target({"broadcast"}),
                   {{"Origin", "https://evil.example"}});
    expect_refused(evil.status(), evil.body_prefix(), 403, "origin");
    EXPECT_GE(auth_failures(herald.port(), "forbidden_origin"), 1);

    SseClient app(herald.port(), events_target({"broadcast"}), {{"Origin", "https://app.example"}});
    EXPECT_EQ(app.status(), 200u);
    EXPECT_EQ(app.header("Access-Control-Allow-Origin"), "https://app.example");
}

// The gate and the CORS echo once compared origins differently (the echo was
// case-sensitive): the stream was admitted and the browser then refused it
// for the missing Access-Control-Allow-Origin.
TEST(AuthOrigin, ListedOriginInAnotherCaseIsAdmittedAndEchoed) {
    HeraldProcess herald{secure_flags({"--allowed-origins", "https://App.example.com"}),
                         Security::as_configured};
    for (const std::string origin : {"https://app.example.com", "https://APP.EXAMPLE.COM"}) {
        SseClient client(herald.port(), events_target({"broadcast"}), {{"Origin", origin}});
        EXPECT_EQ(client.status(), 200u) << origin << ": " << client.body_prefix();
        EXPECT_EQ(client.header("Access-Control-Allow-Origin"), origin);
        EXPECT_EQ(client.header("Access-Control-Allow-Credentials"), "true") << origin;
    }
}

TEST(AuthInsecure, AllowsEverythingAndWarns) {
    HeraldProcess herald; // the harness default: --insecure
    SseClient client(herald.port(), events_target({"room:1", "user:9"}),
                     {{"Origin", "https://anywhere.example"}});
    EXPECT_EQ(client.status(), 200u);
    EXPECT_TRUE(herald.wait_for_log("insecure mode", kTimeout));
}

TEST(AuthConfig, BadKeyConfigurationStopsStartUp) {
    for (const auto& flags : std::vector<std::vector<std::string>>{
             {"--jwt-secret", "too-short"},
             {"--jwt-public-key-file", "/nonexistent/key.pem"},
             {"--jwt-secret", kJwtSecret, "--jwks-file", "/nonexistent/jwks.json"}}) {
        EXPECT_THROW(HeraldProcess(flags, Security::as_configured), std::runtime_error) << flags[0];
    }
}
