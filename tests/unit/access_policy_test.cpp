// AccessPolicy decisions and the upgrade gate's token sources.
#include "herald/auth/access_policy.hpp"
#include "herald/auth/token_signer.hpp"
#include "herald/http/upgrade_gate.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <ctime>

using namespace herald;
using auth::AccessPolicy;
using auth::Identity;

namespace {
std::shared_ptr<const AccessPolicy> policy(Config c) {
    return AccessPolicy::from_config(c);
}
} // namespace

TEST(AccessPolicy, PublicChannelsUserChannelAndClaims) {
    Config c;
    c.public_channels = {"broadcast", "news:*"};
    auto p = policy(c);
    Identity anonymous;
    EXPECT_TRUE(p->may_subscribe(anonymous, "broadcast"));
    EXPECT_TRUE(p->may_subscribe(anonymous, "news:today"));
    EXPECT_FALSE(p->may_subscribe(anonymous, "news"));
    EXPECT_FALSE(p->may_subscribe(anonymous, "user:42"));
    Identity user{"42", {"room:*"}, {"room:1"}, true};
    EXPECT_TRUE(p->may_subscribe(user, "user:42"));
    EXPECT_FALSE(p->may_subscribe(user, "user:420"));
    EXPECT_FALSE(p->may_subscribe(user, "user:4"));
    EXPECT_TRUE(p->may_subscribe(user, "room:9"));
    EXPECT_TRUE(p->may_publish(user, "room:1"));
    EXPECT_FALSE(p->may_publish(user, "room:2"));
    EXPECT_FALSE(p->may_publish(anonymous, "broadcast"));
    c.insecure = true;
    EXPECT_TRUE(policy(c)->may_publish(anonymous, "anything"));
    EXPECT_TRUE(policy(c)->origin_allowed("https://evil.example", "herald.example"));
}

TEST(AccessPolicy, OriginListedOrSameHost) {
    Config c;
    c.allowed_origins = {"https://App.example"};
    auto p = policy(c);
    EXPECT_TRUE(p->origin_allowed("https://app.example", "push.example"));
    EXPECT_TRUE(p->origin_allowed("https://push.example:8443", "push.example:8443"));
    EXPECT_FALSE(p->origin_allowed("https://push.example", "push.example:8443"));
    EXPECT_FALSE(p->origin_allowed("https://evil.example", "push.example"));
    EXPECT_FALSE(p->origin_allowed("null", "push.example"));
    EXPECT_FALSE(p->origin_allowed("https://evil.example", ""));
    c.allowed_origins = {"*"};
    EXPECT_TRUE(policy(c)->origin_allowed("https://evil.example", "push.example"));
}

TEST(AccessPolicy, OriginListedIgnoresCaseButNotSameHostOrInsecure) {
    Config c;
    c.allowed_origins = {"https://App.example"};
    auto p = policy(c);
    EXPECT_TRUE(p->origin_listed("https://app.example"));
    EXPECT_TRUE(p->origin_listed("HTTPS://APP.EXAMPLE"));
    EXPECT_FALSE(p->origin_listed("https://app.example:8443"));
    EXPECT_FALSE(p->origin_listed("https://app.example.evil"));
    // Same-origin and insecure requests pass the gate but are not listed:
    // they get no CORS echo, as before.
    c.insecure = true;
    EXPECT_FALSE(policy(c)->origin_listed("https://evil.example"));
    c.allowed_origins = {"*"};
    EXPECT_TRUE(policy(c)->origin_listed("https://evil.example"));
}

TEST(AccessPolicy, NoKeyMeansEveryTokenIsRefused) {
    auto p = policy(Config{});
    EXPECT_EQ(p->verifier(), nullptr);
    auto result = p->authenticate("a.b.c");
    ASSERT_TRUE(std::holds_alternative<auth::TokenFailure>(result));
    Config two;
    two.jwt_secret = std::string(40, 'k');
    two.jwks_file = "/nonexistent";
    EXPECT_THROW(policy(two), ConfigError);
}

TEST(AccessPolicy, AuthenticateCarriesTheInfoClaimIntoTheIdentity) {
    Config c;
    c.jwt_secret = std::string(40, 'k');
    auto p = policy(c);
    const auto exp = std::time(nullptr) + 60;
    auto result = p->authenticate(auth::sign_token(
        "HS256", c.jwt_secret,
        {{"sub", "42"}, {"exp", exp}, {"info", {{"name", "Ann"}, {"avatar", "/a.png"}}}}));
    ASSERT_TRUE(std::holds_alternative<Identity>(result));
    EXPECT_EQ(std::get<Identity>(result).user, "42");
    EXPECT_EQ(std::get<Identity>(result).info, R"({"avatar":"/a.png","name":"Ann"})");
    result = p->authenticate(auth::sign_token("HS256", c.jwt_secret, {{"sub", "7"}, {"exp", exp}}));
    ASSERT_TRUE(std::holds_alternative<Identity>(result));
    EXPECT_EQ(std::get<Identity>(result).info, "");
    result = p->authenticate(
        auth::sign_token("HS256", c.jwt_secret, {{"sub", "7"}, {"exp", exp}, {"info", "Ann"}}));
    ASSERT_TRUE(std::holds_alternative<auth::TokenFailure>(result));
    EXPECT_EQ(std::get<auth::TokenFailure>(result).error, auth::TokenError::bad_claims);
    EXPECT_EQ(std::get<auth::TokenFailure>(result).message, "info: must be a JSON object");
}

TEST(UpgradeGate, TokenFromHeaderThenQueryThenCookie) {
    UpgradeRequest request;
    StreamParams params;
    EXPECT_EQ(find_token(request, params, "tok"), "");
    request.insert(boost::beast::http::field::cookie, "a=1; tok=\"from-cookie\"");
    EXPECT_EQ(find_token(request, params, "tok"), "from-cookie");
    EXPECT_EQ(find_token(request, params, ""), ""); // cookies not read without token_cookie
    EXPECT_EQ(find_token(request, params, "to"), "");
    params.token = "from-query";
    EXPECT_EQ(find_token(request, params, "tok"), "from-query");
    request.set(boost::beast::http::field::authorization, "Basic abc");
    EXPECT_EQ(find_token(request, params, "tok"), "from-query");
    request.set(boost::beast::http::field::authorization, "Bearer from-header");
    EXPECT_EQ(find_token(request, params, "tok"), "from-header");
}

TEST(UpgradeGate, PublicChannelsPassOthersAre401ForeignOrigins403) {
    Config c;
    c.public_channels = {"broadcast"};
    auto p = policy(c);
    UpgradeRequest request;
    StreamParams params;
    params.channels = {"broadcast"};
    EXPECT_TRUE(std::holds_alternative<Identity>(check_upgrade(*p, request, params)));
    params.channels = {"room:1"};
    auto refused = check_upgrade(*p, request, params);
    ASSERT_TRUE(std::holds_alternative<GateRefusal>(refused));
    EXPECT_EQ(std::get<GateRefusal>(refused).status, 401u);
    request.set(boost::beast::http::field::origin, "https://evil.example");
    request.set(boost::beast::http::field::host, "push.example");
    params.channels = {"broadcast"};
    refused = check_upgrade(*p, request, params);
    ASSERT_TRUE(std::holds_alternative<GateRefusal>(refused));
    EXPECT_EQ(std::get<GateRefusal>(refused).status, 403u);
    EXPECT_EQ(std::get<GateRefusal>(refused).reason, AuthFailure::forbidden_origin);
}
