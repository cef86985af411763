#pragma once
// base64url (RFC 4648 section 5, no padding) on top of OpenSSL's base64
// codec: only the alphabet and the padding are handled here.
#include <optional>
#include <string>
#include <string_view>

namespace herald::auth {

// nullopt for anything but unpadded base64url (no '=', '+', '/' or spaces).
std::optional<std::string> base64url_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);

} // namespace herald::auth
