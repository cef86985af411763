#pragma once
#include <string_view>

namespace herald {

// Strict UTF-8 (RFC 3629): rejects overlong forms, UTF-16 surrogates
// (U+D800..U+DFFF), code points above U+10FFFF and truncated sequences.
// Text that passes can be handed to JSON serializers and browsers unchanged.
bool is_valid_utf8(std::string_view text);

} // namespace herald
