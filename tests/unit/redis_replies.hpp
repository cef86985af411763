#pragma once
// RESP replies as the sans-io Redis parts receive them, for their unit tests.
#include "herald/broker/redis/reply_reader.hpp"

#include <string>
#include <utility>
#include <vector>

namespace herald::redis::test_replies {

inline Reply make(Reply::Type type, std::string str = {}, long long integer = 0,
                  std::vector<Reply> elements = {}) {
    Reply r;
    r.type = type;
    r.str = std::move(str);
    r.integer = integer;
    r.elements = std::move(elements);
    return r;
}
inline Reply ok() {
    return make(Reply::Type::status, "OK");
}
inline Reply error(std::string text) {
    return make(Reply::Type::error, std::move(text));
}
inline Reply integer(long long n) {
    return make(Reply::Type::integer, {}, n);
}
inline Reply bulk(std::string s) {
    return make(Reply::Type::string, std::move(s));
}
inline Reply array(std::vector<Reply> elements) {
    return make(Reply::Type::array, {}, 0, std::move(elements));
}

} // namespace herald::redis::test_replies
