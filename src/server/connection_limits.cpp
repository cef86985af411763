#include "herald/server/connection_limits.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <utility>

namespace herald {

ConnectionSlot& ConnectionSlot::operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
        release();
        limits_ = std::exchange(other.limits_, nullptr);
        counted_ = std::exchange(other.counted_, false);
        address_ = std::move(other.address_);
        other.address_.clear();
    }
    return *this;
}

void ConnectionSlot::release() {
    if (!limits_)
        return;
    if (counted_)
        limits_->connections_.fetch_sub(1, std::memory_order_relaxed);
    if (!address_.empty())
        limits_->release_address(address_);
    limits_ = nullptr;
    counted_ = false;
    address_.clear();
}

void ConnectionSlot::forget_address() {
    if (limits_ && !address_.empty())
        limits_->release_address(address_);
    address_.clear();
}

void ConnectionLimits::configure(std::size_t max_connections, std::size_t max_per_address) {
    max_connections_ = max_connections;
    max_per_address_ = max_per_address;
}

ConnectionLimits::Verdict ConnectionLimits::admit(ConnectionSlot& slot,
                                                  const std::string& address) {
    slot = ConnectionSlot{};
    if (connections_.fetch_add(1, std::memory_order_relaxed) >= max_connections_) {
        connections_.fetch_sub(1, std::memory_order_relaxed);
        return Verdict::max_connections;
    }
    slot.limits_ = this;
    slot.counted_ = true;
    if (address.empty())
        return Verdict::admitted;
    auto verdict = admit_address(slot, address);
    if (verdict != Verdict::admitted)
        slot = ConnectionSlot{};
    return verdict;
}

ConnectionLimits::Verdict ConnectionLimits::admit_address(ConnectionSlot& slot,
                                                          const std::string& address) {
    if (max_per_address_ == 0 || !slot.address_.empty())
        return Verdict::admitted;
    if (!take_address(address))
        return Verdict::max_per_address;
    slot.limits_ = this;
    slot.address_ = address;
    return Verdict::admitted;
}

bool ConnectionLimits::take_address(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = per_address_.try_emplace(address, 0);
    if (it->second >= max_per_address_)
        return false; // not a new entry: max_per_address_ > 0
    ++it->second;
    return true;
}

void ConnectionLimits::release_address(const std::string& address) {
    std::lock_guard lock(mutex_);
    auto it = per_address_.find(address);
    if (it != per_address_.end() && --it->second == 0)
        per_address_.erase(it);
}

std::size_t ConnectionLimits::count(const std::string& address) const {
    std::lock_guard lock(mutex_);
    auto it = per_address_.find(address);
    return it == per_address_.end() ? 0 : it->second;
}

std::size_t ConnectionLimits::addresses() const {
    std::lock_guard lock(mutex_);
    return per_address_.size();
}

void raise_descriptor_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

std::size_t resolve_max_connections(std::size_t configured) {
    if (configured != 0)
        return configured;
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
        return 1'000'000;
    const auto files = static_cast<std::size_t>(limit.rlim_cur);
    const auto reserve = std::max<std::size_t>(64, files / 20);
    return files > 2 * reserve ? files - reserve : std::max<std::size_t>(1, files / 2);
}

} // namespace herald
