#pragma once
// A small HdrHistogram-style histogram of non-negative 64-bit values
// (nanoseconds here): exact below 128, then 64 linear sub-buckets per power of
// two, so any recorded value is known to within 1/64 (about 1.6 %).
// Fixed 30 KiB, recording is a couple of shifts and one increment.
#include <array>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace bench {

class Histogram {
public:
    static constexpr unsigned linear = 128; // values 0..127 get a bucket each
    static constexpr unsigned sub_bits = 6; // 64 sub-buckets per power of two
    static constexpr unsigned bucket_count = linear + (64 - 7) * (1u << sub_bits);

    void record(std::uint64_t value);
    void merge(const Histogram& other);

    std::uint64_t count() const { return count_; }
    std::uint64_t min() const { return count_ ? min_ : 0; }
    std::uint64_t max() const { return max_; }
    double mean() const { return count_ ? static_cast<double>(sum_) / count_ : 0.0; }
    // Highest value equivalent to the value at percentile p (0..100].
    std::uint64_t percentile(double p) const;

    // Sparse form for shipping between processes: only non-empty buckets.
    nlohmann::json to_json() const;
    void merge_json(const nlohmann::json& j);
    // Summary in the given unit divisor (e.g. 1000 for microseconds).
    nlohmann::json summary(double divisor) const;

    static unsigned index_of(std::uint64_t value);
    static std::uint64_t highest_equivalent(unsigned index);

private:
    std::array<std::uint64_t, bucket_count> buckets_{};
    std::uint64_t count_ = 0;
    std::uint64_t sum_ = 0;
    std::uint64_t min_ = UINT64_MAX;
    std::uint64_t max_ = 0;
};

} // namespace bench
