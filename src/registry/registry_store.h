// RegistryStore: the model registry's typed queries over a store::Database.
// No validation here (RegistryService's job); every value is bound. Every
// change runs in one write transaction together with its audit event, so a
// change and its record land together or not at all. Writes are serialised
// by the database's single writer (and row locks on PostgreSQL), so
// concurrent alias moves never lose an update. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "registry/types.h"
#include "store/database.h"
#include "tracking/search/filter.h"

namespace ferry::registry {

// What a change records: who, why, when.
struct Change {
  Actor actor;
  int64_t time = 0;
};

class RegistryStore {
 public:
  explicit RegistryStore(store::Database& db) : db_(db) {}

  store::Dialect dialect() const { return db_.dialect(); }

  // Registered models. kNotFound / kAlreadyExists by name.
  Status CreateModel(const RegisteredModel& model, const Change& change);
  Result<RegisteredModel> GetModel(const std::string& name);
  Status RenameModel(const std::string& name, const std::string& new_name,
                     const Change& change);
  Status UpdateModelDescription(const std::string& name, const std::string& description,
                                const Change& change);
  Status DeleteModel(const std::string& name, const Change& change);
  Status SetModelTag(const std::string& name, const Tag& tag, const Change& change);
  Status DeleteModelTag(const std::string& name, const std::string& key,
                        const Change& change);
  // Canonical JSON of the policy, or nullopt to remove it.
  Status SetGatePolicy(const std::string& name, const std::optional<std::string>& policy,
                       const Change& change);
  Result<std::vector<RegisteredModel>> SearchModels(const tracking::EntitySearch& search);

  // Versions. CreateVersion assigns the next number (never reusing a deleted
  // version's) and fills `version.version`.
  Result<ModelVersion> CreateVersion(ModelVersion version, const Change& change);
  Result<ModelVersion> GetVersion(const std::string& name, int64_t version);
  Status UpdateVersionDescription(const std::string& name, int64_t version,
                                  const std::string& description, const Change& change);
  Status UpdateVersionStatus(const std::string& name, int64_t version,
                             const std::string& status, const std::string& message,
                             const Change& change);
  // kFailedPrecondition when an alias points at it, unless `force` (then the
  // aliases are deleted first, each audited).
  Status DeleteVersion(const std::string& name, int64_t version, bool force,
                       const Change& change);
  // Moves the version to `stage`; with `archive_existing`, the model's other
  // versions in that stage move to Archived (Staging/Production only).
  Result<ModelVersion> TransitionStage(const std::string& name, int64_t version,
                                       const std::string& stage, bool archive_existing,
                                       const Change& change);
  Status SetVersionTag(const std::string& name, int64_t version, const Tag& tag,
                       const Change& change);
  Status DeleteVersionTag(const std::string& name, int64_t version, const std::string& key,
                          const Change& change);
  Result<std::vector<ModelVersion>> SearchVersions(const tracking::EntitySearch& search);
  // The newest version in each of `stages` (all stages when empty).
  Result<std::vector<ModelVersion>> LatestVersions(const std::string& name,
                                                   const std::vector<std::string>& stages);

  // Aliases: set = create or move, atomically; the event records the
  // version it pointed to before.
  Status SetAlias(const std::string& name, const std::string& alias, int64_t version,
                  const Change& change);
  Status DeleteAlias(const std::string& name, const std::string& alias,
                     const Change& change);
  Result<ModelVersion> GetVersionByAlias(const std::string& name, const std::string& alias);

  // Audit: the model's events, oldest first (also those recorded under its
  // earlier names). RecordEvent appends one (e.g. a gate decision).
  Result<std::vector<RegistryEvent>> ListEvents(const std::string& name, int64_t limit,
                                                int64_t offset);
  Status RecordEvent(const std::string& name, std::optional<int64_t> version,
                     const std::string& action, const std::string& after,
                     const Change& change);

 private:
  // The model's key, row-locked on PostgreSQL until the transaction ends.
  Result<int64_t> LockModel(store::SqlConnection& conn, const std::string& name);

  store::Database& db_;
};

}  // namespace ferry::registry
