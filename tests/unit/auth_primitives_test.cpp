// base64url, channel patterns and claim checks.
#include "herald/auth/base64url.hpp"
#include "herald/auth/channel_pattern.hpp"
#include "herald/auth/claims.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

using namespace herald::auth;
using json = nlohmann::json;

TEST(Base64Url, RoundTripsEveryLength) {
    std::string bytes;
    for (int i = 0; i < 40; ++i) {
        auto encoded = base64url_encode(bytes);
        EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos) << encoded;
        EXPECT_EQ(base64url_decode(encoded), bytes);
        bytes.push_back(static_cast<char>(0xF0 + i)); // high bytes give '-' and '_'
    }
    EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
    EXPECT_EQ(base64url_decode("-_8"), "\xfb\xff");
}

TEST(Base64Url, RejectsOtherAlphabetsPaddingAndBadLengths) {
    EXPECT_FALSE(base64url_decode("+/8"));
    EXPECT_FALSE(base64url_decode("YQ=="));
    EXPECT_FALSE(base64url_decode("YWJj ZA"));
    EXPECT_FALSE(base64url_decode("YWJjZ")); // 5 chars: a dangling character
    EXPECT_FALSE(base64url_decode(std::string("YQ\0A", 4)));
    EXPECT_EQ(base64url_decode(""), "");
}

TEST(ChannelPattern, TrailingWildcardMatchesOneSegmentPrefix) {
    EXPECT_TRUE(pattern_matches("room:*", "room:1"));
    EXPECT_TRUE(pattern_matches("room:*", "room:a:b"));
    EXPECT_FALSE(pattern_matches("room:*", "roomx"));
    EXPECT_FALSE(pattern_matches("room:*", "room:"));
    EXPECT_FALSE(pattern_matches("room:*", "rooms:1"));
    EXPECT_TRUE(pattern_matches("room:1", "room:1"));
    EXPECT_FALSE(pattern_matches("room:1", "room:10"));
    EXPECT_TRUE(pattern_matches("*", "anything"));
    EXPECT_TRUE(any_pattern_matches({"a", "b:*"}, "b:c"));
    EXPECT_FALSE(any_pattern_matches({}, "b:c"));
}

TEST(ChannelPattern, GrammarAllowsStarOnlyAtTheEndOfASegment) {
    for (const char* ok : {"room:*", "*", "room:1", "a:b:*", "user:42"})
        EXPECT_TRUE(is_valid_pattern(ok)) << ok;
    for (const char* bad : {"room*", "ro*m:1", "*:room", "room:**", "", "room: 1", ":*x", "**"})
        EXPECT_FALSE(is_valid_pattern(bad)) << bad;
}

namespace {
const ClaimRules rules{1000, 5, "", ""};

TokenError error_of(const json& payload, const ClaimRules& r = rules) {
    auto result = check_claims(payload, r);
    if (std::holds_alternative<Claims>(result))
        return TokenError::count;
    return std::get<TokenFailure>(result).error;
}
} // namespace

TEST(Claims, ReadsSubChannelsAndPublish) {
    auto result = check_claims(
        {{"exp", 2000}, {"sub", "42"}, {"channels", {"room:*", "news"}}, {"publish", {"room:*"}}},
        rules);
    ASSERT_TRUE(std::holds_alternative<Claims>(result));
    auto& c = std::get<Claims>(result);
    EXPECT_EQ(c.sub, "42");
    EXPECT_EQ(c.channels, (std::vector<std::string>{"room:*", "news"}));
    EXPECT_EQ(c.publish, (std::vector<std::string>{"room:*"}));
    EXPECT_EQ(std::get<Claims>(check_claims({{"exp", 2000}, {"sub", 7}}, rules)).sub, "7");
    EXPECT_FALSE(std::get<Claims>(check_claims({{"exp", 2000}}, rules)).sub);
}

TEST(Claims, ExpIsRequiredAndHonoursLeeway) {
    EXPECT_EQ(error_of({{"sub", "1"}}), TokenError::bad_claims);
    EXPECT_EQ(error_of({{"exp", "2000"}}), TokenError::bad_claims);
    EXPECT_EQ(error_of({{"exp", 1006}}), TokenError::count); // 1000 < 1006 + 5
    EXPECT_EQ(error_of({{"exp", 996}}), TokenError::count);  // within the leeway
    EXPECT_EQ(error_of({{"exp", 995}}), TokenError::expired);
    EXPECT_EQ(error_of({{"exp", 995.9}}), TokenError::expired);
    EXPECT_EQ(error_of({{"exp", -9.9e300}}), TokenError::expired);
    EXPECT_EQ(error_of({{"exp", 1e300}}), TokenError::count);
    EXPECT_EQ(error_of({{"exp", 995}}, {1000, 0, "", ""}), TokenError::expired);
}

TEST(Claims, NotBeforeHonoursLeeway) {
    EXPECT_EQ(error_of({{"exp", 2000}, {"nbf", 1005}}), TokenError::count);
    EXPECT_EQ(error_of({{"exp", 2000}, {"nbf", 1006}}), TokenError::not_yet_valid);
    EXPECT_EQ(error_of({{"exp", 2000}, {"nbf", "x"}}), TokenError::bad_claims);
}

TEST(Claims, IssuerAndAudienceOnlyWhenConfigured) {
    ClaimRules strict{1000, 0, "https://app", "herald"};
    EXPECT_EQ(error_of({{"exp", 2000}, {"iss", "evil"}, {"aud", 1}}), TokenError::count);
    EXPECT_EQ(error_of({{"exp", 2000}, {"iss", "https://app"}, {"aud", "herald"}}, strict),
              TokenError::count);
    EXPECT_EQ(error_of({{"exp", 2000}, {"iss", "https://app"}, {"aud", {"x", "herald"}}}, strict),
              TokenError::count);
    EXPECT_EQ(error_of({{"exp", 2000}, {"aud", "herald"}}, strict), TokenError::bad_issuer);
    EXPECT_EQ(error_of({{"exp", 2000}, {"iss", "https://app"}, {"aud", "other"}}, strict),
              TokenError::bad_audience);
    EXPECT_EQ(error_of({{"exp", 2000}, {"iss", "https://app"}}, strict), TokenError::bad_audience);
}

TEST(Claims, RejectsMalformedClaims) {
    EXPECT_EQ(error_of(json::array()), TokenError::malformed);
    EXPECT_EQ(error_of({{"exp", 2000}, {"sub", true}}), TokenError::bad_claims);
    EXPECT_EQ(error_of({{"exp", 2000}, {"sub", "a b"}}), TokenError::bad_claims);
    EXPECT_EQ(error_of({{"exp", 2000}, {"channels", "room:*"}}), TokenError::bad_claims);
    EXPECT_EQ(error_of({{"exp", 2000}, {"channels", {"room*"}}}), TokenError::bad_claims);
    EXPECT_EQ(error_of({{"exp", 2000}, {"publish", {1}}}), TokenError::bad_claims);
}

namespace {
std::string info_of(const json& info) {
    return std::get<Claims>(check_claims({{"exp", 2000}, {"info", info}}, rules)).info;
}
std::string info_error(const json& info) {
    auto result = check_claims({{"exp", 2000}, {"info", info}}, rules);
    if (std::holds_alternative<Claims>(result))
        return "(accepted)";
    const auto& failure = std::get<TokenFailure>(result);
    EXPECT_EQ(failure.error, TokenError::bad_claims);
    return failure.message;
}
} // namespace

TEST(Claims, InfoIsAnObjectKeptAsCompactJson) {
    EXPECT_EQ(info_of(json::parse(R"({ "name" : "Zoé", "tags" : [ 1, 2 ], "o": {} })")),
              R"({"name":"Zoé","o":{},"tags":[1,2]})");
    EXPECT_EQ(info_of(json::object()), "{}");
    EXPECT_EQ(info_of(nullptr), ""); // null = no info, like the other optional claims
    EXPECT_EQ(std::get<Claims>(check_claims({{"exp", 2000}}, rules)).info, "");
}

TEST(Claims, InfoMustBeAnObjectOfAtMostOneKiB) {
    for (const json& bad : {json("Ann"), json::array({"a"}), json(42), json(true)})
        EXPECT_EQ(info_error(bad), "info: must be a JSON object") << bad;
    // {"n":"..."} is 8 bytes around the string.
    EXPECT_EQ(info_of({{"n", std::string(1016, 'x')}}).size(), 1024u);
    EXPECT_EQ(info_error({{"n", std::string(1017, 'x')}}),
              "info: must be at most 1024 bytes as compact JSON, got 1025");
    // Bytes, not characters: 508 two-byte characters are 1016 bytes.
    std::string accents;
    for (int i = 0; i < 509; ++i)
        accents += "é";
    EXPECT_EQ(info_error({{"n", accents}}),
              "info: must be at most 1024 bytes as compact JSON, got 1026");
    // Whitespace in the token does not count: the compact form is measured.
    const auto spaced = json::parse("{\"n\" :    \"" + std::string(1016, 'x') + "\"   }");
    EXPECT_EQ(info_of(spaced).size(), 1024u);
}
