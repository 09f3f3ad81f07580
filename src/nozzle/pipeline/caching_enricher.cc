#include "nozzle/pipeline/caching_enricher.h"

#include <optional>

#include "core/log.h"
#include "nozzle/pipeline/selector.h"

namespace nozzle {
namespace {

// The modern name tags (docs/WIRE.md, "Tags on app envelopes"), found in one pass over the tags.
struct TagNames {
  std::string_view app_name, space_name, org_name, space_id, org_id;
  [[nodiscard]] bool complete() const { return !app_name.empty() && !space_name.empty() && !org_name.empty(); }
};

TagNames scan_tags(const Envelope& env) {
  TagNames t;
  for (std::size_t i = 0; i < env.tag_count; ++i) {
    const std::string_view k = env.tags[i].key;
    const std::string_view v = env.tags[i].value;
    switch (k.size()) {
      case 8:
        if (k == "app_name") t.app_name = v;
        else if (k == "space_id") t.space_id = v;
        break;
      case 10:
        if (k == "space_name") t.space_name = v;
        break;
      case 15:
        if (k == "organization_id") t.org_id = v;
        break;
      case 17:
        if (k == "organization_name") t.org_name = v;
        break;
      default:
        break;
    }
  }
  return t;
}

}  // namespace

CachingEnricher::CachingEnricher(const EnrichOptions& options, cfapi::AppCache& cache, EnrichCounters& counters,
                                 Clock clock)
    : options_(options), reader_(cache, kFrontSlots), counters_(counters), clock_(std::move(clock)) {
  std::erase_if(options_.strip_app_name_suffixes, [](const std::string& s) { return s.empty(); });
}

std::string_view CachingEnricher::strip_suffix(std::string_view name, const std::vector<std::string>& suffixes) {
  for (const auto& s : suffixes) {
    if (!s.empty() && name.size() > s.size() && name.ends_with(s)) return name.substr(0, name.size() - s.size());
  }
  return name;
}

std::size_t CachingEnricher::estimated_bytes(const Envelope& env) {
  std::size_t n = sizeof(Held) + env.origin.size() + env.deployment.size() + env.job.size() + env.index.size() +
                  env.ip.size();
  for (std::size_t i = 0; i < env.tag_count; ++i) n += sizeof(Tag) + env.tags[i].key.size() + env.tags[i].value.size();
  n += env.log.message.size() + env.log.app_id.size() + env.log.source_type.size() + env.log.source_instance.size();
  n += env.value_metric.name.size() + env.counter.name.size() + env.container.application_id.size();
  n += env.http.uri.size() + env.http.user_agent.size() + env.http.remote_address.size() + env.http.request_id.size() +
       env.http.application_id.size() + env.http.instance_id.size();
  n += env.error.message.size() + env.error.source.size() + env.event.title.size() + env.event.body.size();
  return n;
}

void CachingEnricher::deliver_found(Envelope& env, const cfapi::AppEntry& entry, const Emit& emit) {
  if (entry.opted_out) {
    counters_.dropped_opt_out.add();
    return;
  }
  const std::string_view drain_label = options_.read_labels ? entry.drain() : std::string_view{};
  if (options_.opt_in && drain_label.empty() && entry.forward() != cfapi::RoutingLabels::Forward::Yes) {
    counters_.not_opted_in.add();
    return;
  }
  const cfapi::SpaceInfo& space = *entry.space;
  const cfapi::OrgInfo& org = *space.org;
  if (!org_selected(options_.orgs, env.app_id(), org.name, org.guid)) {
    counters_.dropped_org.add();
    return;
  }
  counters_.from_cache.add();
  const AppInfo info{env.app_id(), strip_suffix(entry.name, options_.strip_app_name_suffixes),
                     space.guid,   space.name,
                     org.guid,     org.name,
                     drain_label};
  emit(env, info);
}

void CachingEnricher::deliver_missing(Envelope& env, const Emit& emit) {
  if (options_.opt_in) {
    counters_.opt_in_unknown.add();  // fails closed: an unknown app carries no label
    return;
  }
  if (options_.drop_missing_apps) {
    counters_.dropped_missing.add();
    return;
  }
  if (!org_selected(options_.orgs, env.app_id(), {}, {})) {
    counters_.dropped_org.add();  // fails closed: the org is unknown
    return;
  }
  if (!options_.ignore_missing_apps) {
    const std::string_view id = env.app_id();
    log::write_limited("enrich.missing_app", std::chrono::minutes(1), log::Level::Warn,
                       "Cloud Controller does not know this app; its events go out without names",
                       {{"app_id", id}});
  }
  counters_.unknown_app.add();
  emit(env, AppInfo{env.app_id()});
}

void CachingEnricher::deliver_unnamed(Envelope& env, Why why, const Emit& emit) {
  if (options_.opt_in) {
    counters_.opt_in_unknown.add();  // fails closed: its labels are not known
    return;
  }
  if (!org_selected(options_.orgs, env.app_id(), {}, {})) {
    counters_.dropped_org.add();  // fails closed: the org is unknown
    return;
  }
  switch (why) {
    case Why::Timeout: counters_.timeouts.add(); break;
    case Why::Unavailable: counters_.cc_unavailable.add(); break;
    case Why::HoldFull: counters_.hold_full.add(); break;
    case Why::Invalid: counters_.invalid_app_id.add(); break;
  }
  emit(env, AppInfo{env.app_id()});
}

void CachingEnricher::deliver(Envelope& env, const cfapi::AppLookup& lookup, const Emit& emit) {
  using cfapi::AppStatus;
  switch (lookup.status) {
    case AppStatus::Found: deliver_found(env, *lookup.entry, emit); return;
    case AppStatus::Missing: deliver_missing(env, emit); return;
    case AppStatus::Pending: deliver_unnamed(env, Why::Timeout, emit); return;  // no wait configured
    case AppStatus::Unavailable:
    case AppStatus::Untracked: deliver_unnamed(env, Why::Unavailable, emit); return;
    case AppStatus::Invalid: deliver_unnamed(env, Why::Invalid, emit); return;
  }
}

void CachingEnricher::process(Envelope& env, const Emit& emit) {
  const std::string_view id = env.app_id();
  if (id.empty()) {
    counters_.not_app.add();
    emit(env, AppInfo{});
    return;
  }
  const TagNames t = scan_tags(env);
  std::optional<cfapi::AppLookup> looked_up;
  if (t.complete() && options_.read_labels) {
    // The names are in the tags, the labels only in the cache: an app the cache knows goes by
    // its entry; otherwise, unless opt-in needs the labels, by its tags, without a label.
    looked_up = reader_.lookup(id);
    if (looked_up->status == cfapi::AppStatus::Found) {
      deliver_found(env, *looked_up->entry, emit);
      return;
    }
  }
  if (t.complete() && !options_.opt_in) {
    if (reader_.cache().has_opted_out()) {
      const auto known = reader_.peek(id);
      if (known.status == cfapi::AppStatus::Found && known.entry->opted_out) {
        counters_.dropped_opt_out.add();
        return;
      }
    }
    if (!org_selected(options_.orgs, id, t.org_name, t.org_id)) {
      counters_.dropped_org.add();
      return;
    }
    counters_.from_tags.add();
    emit(env, AppInfo{id, strip_suffix(t.app_name, options_.strip_app_name_suffixes), t.space_id, t.space_name,
                      t.org_id, t.org_name});
    return;
  }
  const cfapi::AppLookup lookup = looked_up ? *looked_up : reader_.lookup(id);
  if (!held_.empty()) {
    // Envelopes of an app with held ones go behind them, so that an app's order is kept.
    if (auto it = held_.find(std::string(id)); it != held_.end()) {
      if (lookup.status == cfapi::AppStatus::Pending) {
        hold(env, id, emit);
        return;
      }
      release(it->second, lookup, {}, true, emit);
      held_.erase(it);
    }
  }
  if (lookup.status == cfapi::AppStatus::Pending && options_.enrich_wait.count() > 0) {
    hold(env, id, emit);
    return;
  }
  deliver(env, lookup, emit);
}

void CachingEnricher::hold(Envelope& env, std::string_view app_id, const Emit& emit) {
  const std::size_t bytes = estimated_bytes(env);
  if (held_bytes_ + bytes > options_.hold_bytes) {
    deliver_unnamed(env, Why::HoldFull, emit);
    return;
  }
  auto& group = held_[std::string(app_id)];
  group.push_back(Held{env, clock_() + options_.enrich_wait, bytes});
  Envelope& copy = group.back().env;
  copy.tags.resize(copy.tag_count);  // the copy needs no spare capacity
  ++held_count_;
  held_bytes_ += bytes;
  counters_.held.add();
  counters_.holding.add(1);
  counters_.holding_bytes.add(static_cast<std::int64_t>(bytes));
}

void CachingEnricher::forget(const Held& h) {
  --held_count_;
  held_bytes_ -= h.bytes;
  counters_.holding.add(-1);
  counters_.holding_bytes.add(-static_cast<std::int64_t>(h.bytes));
}

bool CachingEnricher::release(std::deque<Held>& group, const cfapi::AppLookup& lookup,
                              std::chrono::steady_clock::time_point now, bool all, const Emit& emit) {
  const bool waiting = lookup.status == cfapi::AppStatus::Pending;
  while (!group.empty()) {
    Held& h = group.front();
    if (waiting && !all && h.deadline > now) return false;
    if (waiting) {
      deliver_unnamed(h.env, Why::Timeout, emit);
    } else {
      deliver(h.env, lookup, emit);
    }
    forget(h);
    group.pop_front();
  }
  return true;
}

void CachingEnricher::tick(std::chrono::steady_clock::time_point now, const Emit& emit) {
  reader_.quiescent();  // also when nothing is held: an idle connection must not hold back freeing
  for (auto it = held_.begin(); it != held_.end();) {
    const cfapi::AppLookup lookup = reader_.lookup(it->first);
    if (release(it->second, lookup, now, false, emit)) {
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
}

void CachingEnricher::flush(const Emit& emit) {
  for (auto& [id, group] : held_) release(group, reader_.lookup(id), {}, true, emit);
  held_.clear();
}

}  // namespace nozzle
