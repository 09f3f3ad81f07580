// --demo: the nozzle against an embedded cf-sim on loopback, frames to stdout (and to any
// configured drains), then a one-screen summary on stderr.
#pragma once

#include <signal.h>

#include "nozzle/app/config.h"

namespace nozzle {

// Runs until SIGTERM/SIGINT (from `signals`, which the caller has blocked) or --demo-seconds.
int run_demo(Config config, const sigset_t& signals);

}  // namespace nozzle
