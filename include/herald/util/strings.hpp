#pragma once
// Small text helpers shared by the HTTP, auth and config code. ASCII only on
// purpose: header values, origins and config words are ASCII, and the
// locale-dependent <cctype> functions must not change what herald accepts.
#include <string>
#include <string_view>

namespace herald {

// `text` without leading and trailing spaces and tabs (HTTP's OWS).
std::string_view trim(std::string_view text);

// `text` with A-Z turned into a-z; every other byte unchanged.
std::string lower(std::string_view text);

// Equal when compared with A-Z folded to a-z (an origin's scheme and host,
// a Redis reply kind, a config word).
bool iequals(std::string_view a, std::string_view b);

} // namespace herald
