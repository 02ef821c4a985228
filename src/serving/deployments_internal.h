// What deployments.cc (control plane) and deployments_infer.cc (data plane)
// share: the live deployment and its arms. Not part of the serving API.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>

#include "serving/deployments.h"

namespace ferry::serving {

struct Deployments::Arm {
  Role role = Role::kPrimary;
  std::string ref;
  std::atomic<std::shared_ptr<Runner>> runner;
  std::atomic<uint64_t> requests{0};
  std::atomic<uint64_t> failures{0};
  mutable std::mutex mu;
  std::string error;        // guarded by mu
  int64_t loaded_time = 0;  // guarded by mu
};

struct Deployments::Deployment {
  DeploymentSpec spec;
  int64_t created_time = 0;
  int64_t updated_time = 0;
  std::array<std::unique_ptr<Arm>, 3> arms;
  std::atomic<uint64_t> shadow_compared{0};
  std::atomic<uint64_t> shadow_agreed{0};

  Arm* arm(Role role) const { return arms[static_cast<size_t>(role)].get(); }
};

inline constexpr std::array<Role, 3> kRoles = {Role::kPrimary, Role::kCanary, Role::kShadow};

}  // namespace ferry::serving
