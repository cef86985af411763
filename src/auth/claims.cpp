#include "herald/auth/claims.hpp"

#include "herald/auth/channel_pattern.hpp"
#include "herald/hub/channel.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <limits>

namespace herald::auth {

const char* token_error_name(TokenError error) {
    switch (error) {
    case TokenError::malformed:
        return "malformed";
    case TokenError::oversize:
        return "oversize";
    case TokenError::bad_algorithm:
        return "bad_algorithm";
    case TokenError::unknown_key:
        return "unknown_key";
    case TokenError::bad_signature:
        return "bad_signature";
    case TokenError::expired:
        return "expired";
    case TokenError::not_yet_valid:
        return "not_yet_valid";
    case TokenError::bad_issuer:
        return "bad_issuer";
    case TokenError::bad_audience:
        return "bad_audience";
    case TokenError::bad_claims:
        return "bad_claims";
    case TokenError::count:
        break;
    }
    return "?";
}

namespace {

using json = nlohmann::json;

TokenFailure bad(std::string message) {
    return {TokenError::bad_claims, std::move(message)};
}

// NumericDate: seconds, possibly fractional; floored, clamped to int64.
std::optional<std::int64_t> numeric_date(const json& value) {
    if (value.is_number_integer())
        return value.is_number_unsigned() && value.get<std::uint64_t>() > INT64_MAX
                   ? std::numeric_limits<std::int64_t>::max()
                   : value.get<std::int64_t>();
    if (!value.is_number_float() || !std::isfinite(value.get<double>()))
        return std::nullopt;
    double d = std::floor(value.get<double>());
    if (d >= 9.2e18)
        return std::numeric_limits<std::int64_t>::max();
    if (d <= -9.2e18)
        return std::numeric_limits<std::int64_t>::min();
    return static_cast<std::int64_t>(d);
}

// a + b without overflow.
std::int64_t plus(std::int64_t a, std::int64_t b) {
    std::int64_t out;
    if (__builtin_add_overflow(a, b, &out))
        return b > 0 ? std::numeric_limits<std::int64_t>::max()
                     : std::numeric_limits<std::int64_t>::min();
    return out;
}

std::optional<TokenFailure> patterns(const json& payload, const char* name,
                                     std::vector<std::string>& out) {
    auto it = payload.find(name);
    if (it == payload.end() || it->is_null())
        return std::nullopt;
    if (!it->is_array())
        return bad(std::string(name) + ": must be an array of channel patterns");
    for (const auto& item : *it) {
        if (!item.is_string() || !is_valid_pattern(item.get_ref<const std::string&>()))
            return bad(std::string(name) + ": invalid channel pattern");
        out.push_back(item.get<std::string>());
    }
    return std::nullopt;
}

} // namespace

std::variant<Claims, TokenFailure> check_claims(const json& payload, const ClaimRules& rules) {
    if (!payload.is_object())
        return TokenFailure{TokenError::malformed, "payload is not a JSON object"};
    Claims claims;

    auto exp = payload.find("exp");
    if (exp == payload.end())
        return bad("exp: required");
    auto exp_value = numeric_date(*exp);
    if (!exp_value)
        return bad("exp: must be a number");
    claims.exp = *exp_value;
    if (rules.now >= plus(claims.exp, rules.leeway))
        return TokenFailure{TokenError::expired, "token expired"};

    if (auto nbf = payload.find("nbf"); nbf != payload.end()) {
        auto nbf_value = numeric_date(*nbf);
        if (!nbf_value)
            return bad("nbf: must be a number");
        if (plus(rules.now, rules.leeway) < *nbf_value)
            return TokenFailure{TokenError::not_yet_valid, "token not valid yet (nbf)"};
    }

    if (!rules.issuer.empty()) {
        auto iss = payload.find("iss");
        if (iss == payload.end() || !iss->is_string() || *iss != rules.issuer)
            return TokenFailure{TokenError::bad_issuer, "wrong or missing iss"};
    }
    if (!rules.audience.empty()) {
        auto aud = payload.find("aud");
        bool ok = false;
        if (aud != payload.end() && aud->is_string())
            ok = *aud == rules.audience;
        else if (aud != payload.end() && aud->is_array())
            for (const auto& a : *aud)
                ok = ok || (a.is_string() && a == rules.audience);
        if (!ok)
            return TokenFailure{TokenError::bad_audience, "wrong or missing aud"};
    }

    if (auto sub = payload.find("sub"); sub != payload.end() && !sub->is_null()) {
        if (sub->is_string())
            claims.sub = sub->get<std::string>();
        else if (sub->is_number_integer())
            claims.sub = sub->dump();
        else
            return bad("sub: must be a string or an integer");
        if (!is_valid_channel("user:" + *claims.sub))
            return bad("sub: user:<sub> is not a valid channel name");
    }
    if (auto failure = patterns(payload, "channels", claims.channels))
        return *failure;
    if (auto failure = patterns(payload, "publish", claims.publish))
        return *failure;
    if (auto info = payload.find("info"); info != payload.end() && !info->is_null()) {
        if (!info->is_object())
            return bad("info: must be a JSON object");
        // Parsed JSON strings are valid UTF-8; `replace` only keeps a payload
        // built in memory (tests, fuzzers) from throwing here.
        claims.info = info->dump(-1, ' ', false, json::error_handler_t::replace);
        if (claims.info.size() > max_info_size)
            return bad("info: must be at most " + std::to_string(max_info_size) +
                       " bytes as compact JSON, got " + std::to_string(claims.info.size()));
    }
    return claims;
}

} // namespace herald::auth
