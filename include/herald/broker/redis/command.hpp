#pragma once
// RESP request encoding via hiredis' redisFormatCommandArgv. Arguments are
// passed with their lengths, so they are binary-safe (spaces, CR/LF, NUL).
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace herald::redis {

// The bytes to write for one command, e.g. format_command({"PUBLISH", ch, msg}).
// Empty when there is nothing valid to send: no arguments, or hiredis could
// not allocate. Callers treat empty as "do not write".
std::string format_command(std::span<const std::string_view> argv);
std::string format_command(std::initializer_list<std::string_view> argv);
std::string format_command(const std::vector<std::string>& argv);

// `command` followed by every element of `args`, e.g. SUBSCRIBE with a batch
// of channels from SubscriptionTracker::take_subscribes().
std::string format_command(std::string_view command, const std::vector<std::string>& args);

// AUTH <password>, or AUTH <user> <password> (the ACL form of Redis 6) when
// `user` is not empty; the one-argument form also works with requirepass and
// older servers.
std::string auth_command(std::string_view user, std::string_view password);

} // namespace herald::redis
