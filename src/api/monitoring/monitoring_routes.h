// Monitoring routes under /api/v1 (monitoring_routes.cc has the list).
#pragma once

#include "api/router.h"
#include "core/clock.h"
#include "monitoring/monitoring_service.h"
#include "registry/registry_service.h"

namespace ferry::api {

void AddMonitoringRoutes(Router& router, monitoring::MonitoringService& monitoring,
                         registry::RegistryService& registry, const Clock& clock);
// Alert rules, states and history under /api/v1/alerts (alert_routes.cc).
void AddAlertRoutes(Router& router, monitoring::MonitoringService& monitoring);

}  // namespace ferry::api
