// The cf style: what CF's own app syslog drains write (docs/WIRE.md, "CF app drain format").
// Private to src/syslog/; Formatter::format() calls it.
#pragma once

#include "core/envelope.h"
#include "syslog/format_options.h"
#include "syslog/rfc5424.h"

namespace nozzle::syslog {

// Appends env's message(s) in the cf style to `out`: one per envelope, five for a
// ContainerMetric (one per gauge, as loggregator's v1->v2 conversion names them).
void format_cf(const Envelope& env, const AppInfo& app, const FormatOptions& options,
               FormattedMessages& out);

}  // namespace nozzle::syslog
