#pragma once
// JSON helpers shared by every way an event comes in (POST /publish, a
// WebSocket publish, a Redis message) and by the JSON herald writes.
#include <cstddef>
#include <string>
#include <string_view>

namespace herald {

// Deepest array/object nesting accepted in published JSON, counting the
// outermost value: nlohmann's serializer recurses, so unbounded depth could
// exhaust the stack when the data is dumped.
constexpr std::size_t max_publish_json_depth = 64;

// Whether `text` nests [ and { deeper than `limit`, counting outside strings
// only. A scan before parsing, so that a body of a million '[' is refused
// cheaply and never reaches the parser or the recursive serializer. Exact
// for valid JSON; for other text it counts the brackets as they come.
bool json_nesting_exceeds(std::string_view text, std::size_t limit = max_publish_json_depth);

// "JSON nested too deeply (max 64 levels)", the reason every way in gives.
std::string json_too_deep_message();

// A JSON string literal. Invalid UTF-8 becomes U+FFFD instead of throwing:
// what herald writes must stay valid UTF-8 whatever the caller passed.
std::string json_quote(std::string_view text);

} // namespace herald
