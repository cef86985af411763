#include "delivery_audit.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <unordered_map>

namespace herald_test {

std::ostream& operator<<(std::ostream& out, const AuditCounts& c) {
    return out << "subscribers " << c.subscribers << " (sse " << c.sse << ", ws " << c.ws << ")\n"
               << "published (202) " << c.published << ", refused " << c.refused << ", unanswered "
               << c.uncertain_published << "\n"
               << "deliveries expected " << c.expected << ", delivered " << c.delivered
               << " (recovered after a reconnect " << c.recovered << ")"
               << ", covered by a reset " << c.covered_by_reset << "\n"
               << "resets " << c.resets << " (to " << c.subscribers_reset << " subscribers)"
               << ", reconnects " << c.reconnects << ", failed attempts " << c.failed_attempts
               << ", receipts of unanswered publishes " << c.uncertain_delivered << "\n"
               << "duplicates " << c.duplicates << ", out of order " << c.out_of_order
               << ", unknown ids " << c.unknown << ", missing without reset "
               << c.missing_without_reset << "\n";
}

AuditCounts audit_deliveries(const PublishLedger& ledger,
                             const std::vector<const SubscriberRecord*>& records,
                             std::vector<std::string>& problems) {
    AuditCounts c;
    c.published = 0;
    for (const auto& [channel, events] : ledger.accepted)
        c.published += events.size();
    c.uncertain_published = ledger.uncertain.size();
    c.refused = ledger.refused;

    // id -> position in its channel, per channel.
    std::map<std::string, std::unordered_map<std::string, std::size_t>> index;
    for (const auto& [channel, events] : ledger.accepted)
        for (std::size_t i = 0; i < events.size(); ++i)
            index[channel][events[i].id] = i;
    static const std::vector<PublishedEvent> none;

    for (std::size_t r = 0; r < records.size(); ++r) {
        const SubscriberRecord& rec = *records[r];
        ++c.subscribers;
        ++(rec.ws ? c.ws : c.sse);
        c.reconnects += rec.connected_at.empty() ? 0 : rec.connected_at.size() - 1;
        c.failed_attempts += rec.failed_attempts;
        auto found = ledger.accepted.find(rec.channel);
        const auto& events = found == ledger.accepted.end() ? none : found->second;
        const auto& positions = index[rec.channel];
        c.expected += events.size();

        std::ostringstream trouble;
        std::set<std::string> seen;
        std::size_t next = 0;     // position of the event expected next
        bool after_reset = false; // the next event starts the expectation again
        std::size_t resets = 0;
        for (const auto& entry : rec.entries) {
            if (entry.id.empty()) {
                ++resets;
                after_reset = true;
                continue;
            }
            if (!seen.insert(entry.id).second) {
                ++c.duplicates;
                trouble << " duplicate " << entry.id << ";";
                continue;
            }
            if (ledger.uncertain.count(entry.id)) {
                ++c.uncertain_delivered;
                continue;
            }
            auto at = positions.find(entry.id);
            if (at == positions.end()) {
                ++c.unknown;
                trouble << " unknown " << entry.id << ";";
                continue;
            }
            const std::size_t pos = at->second;
            if (pos < next) {
                ++c.out_of_order;
                trouble << " " << entry.id << " after " << events[next - 1].id << ";";
                continue;
            }
            if (pos > next) {
                if (after_reset) {
                    c.covered_by_reset += pos - next;
                } else {
                    c.missing_without_reset += pos - next;
                    trouble << " missed " << events[next].id << ".." << events[pos - 1].id << " ("
                            << pos - next << ") before " << entry.id << ";";
                }
            }
            after_reset = false;
            next = pos + 1;
            ++c.delivered;
            if (entry.connection > 1 &&
                events[pos].accepted < rec.connected_at[entry.connection - 1])
                ++c.recovered;
        }
        if (next < events.size()) { // the tail never came
            if (after_reset) {
                c.covered_by_reset += events.size() - next;
            } else {
                c.missing_without_reset += events.size() - next;
                trouble << " missed the tail " << events[next].id << ".." << events.back().id
                        << " (" << events.size() - next << ");";
            }
        }
        c.resets += resets;
        c.subscribers_reset += resets > 0 ? 1 : 0;
        if (!trouble.str().empty() && problems.size() < 20)
            problems.push_back("subscriber " + std::to_string(r) + (rec.ws ? " ws " : " sse ") +
                               rec.channel + ", " + std::to_string(rec.connected_at.size()) +
                               " connections:" + trouble.str().substr(0, 600));
    }
    return c;
}

bool caught_up(const PublishLedger& ledger, const SubscriberRecord& record) {
    auto found = ledger.accepted.find(record.channel);
    if (found == ledger.accepted.end() || found->second.empty())
        return true;
    const std::string& last = found->second.back().id;
    // Unanswered publishes may follow it; look a little way back from the end.
    const auto& entries = record.entries;
    const std::size_t from = entries.size() > 8 ? entries.size() - 8 : 0;
    return std::any_of(entries.begin() + static_cast<std::ptrdiff_t>(from), entries.end(),
                       [&](const ReceivedEntry& e) { return e.id == last; });
}

} // namespace herald_test
