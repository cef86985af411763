#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace bench {

unsigned Histogram::index_of(std::uint64_t v) {
    if (v < linear)
        return static_cast<unsigned>(v);
    unsigned e = 63u - static_cast<unsigned>(std::countl_zero(v)); // >= 7
    unsigned sub = static_cast<unsigned>(v >> (e - sub_bits)) & ((1u << sub_bits) - 1);
    return linear + (e - 7) * (1u << sub_bits) + sub;
}

std::uint64_t Histogram::highest_equivalent(unsigned index) {
    if (index < linear)
        return index;
    unsigned e = (index - linear) / (1u << sub_bits) + 7;
    unsigned sub = (index - linear) % (1u << sub_bits);
    std::uint64_t width = std::uint64_t{1} << (e - sub_bits);
    std::uint64_t low = (std::uint64_t{1} << e) + sub * width;
    return low + (width - 1);
}

void Histogram::record(std::uint64_t v) {
    ++buckets_[index_of(v)];
    ++count_;
    sum_ += v;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
}

void Histogram::merge(const Histogram& o) {
    for (unsigned i = 0; i < bucket_count; ++i)
        buckets_[i] += o.buckets_[i];
    count_ += o.count_;
    sum_ += o.sum_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
}

std::uint64_t Histogram::percentile(double p) const {
    if (count_ == 0)
        return 0;
    auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
    rank = std::clamp<std::uint64_t>(rank, 1, count_);
    std::uint64_t seen = 0;
    for (unsigned i = 0; i < bucket_count; ++i) {
        seen += buckets_[i];
        if (seen >= rank)
            return std::min(highest_equivalent(i), max_);
    }
    return max_;
}

nlohmann::json Histogram::to_json() const {
    nlohmann::json buckets = nlohmann::json::array();
    for (unsigned i = 0; i < bucket_count; ++i)
        if (buckets_[i])
            buckets.push_back({i, buckets_[i]});
    return {{"count", count_}, {"sum", sum_}, {"min", min_}, {"max", max_}, {"buckets", buckets}};
}

void Histogram::merge_json(const nlohmann::json& j) {
    if (!j.is_object())
        return;
    for (const auto& b : j.at("buckets")) {
        auto i = b.at(0).get<unsigned>();
        if (i < bucket_count)
            buckets_[i] += b.at(1).get<std::uint64_t>();
    }
    count_ += j.at("count").get<std::uint64_t>();
    sum_ += j.at("sum").get<std::uint64_t>();
    min_ = std::min(min_, j.at("min").get<std::uint64_t>());
    max_ = std::max(max_, j.at("max").get<std::uint64_t>());
}

nlohmann::json Histogram::summary(double d) const {
    auto at = [&](double p) { return static_cast<double>(percentile(p)) / d; };
    return {{"count", count_},    {"min", static_cast<double>(min()) / d},
            {"mean", mean() / d}, {"p50", at(50)},
            {"p90", at(90)},      {"p99", at(99)},
            {"p999", at(99.9)},   {"max", static_cast<double>(max_) / d}};
}

} // namespace bench
