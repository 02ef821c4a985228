// LocalArtifactStore: artifacts under one root directory on a local or
// shared filesystem.
#pragma once

#include <memory>
#include <string>

#include "artifacts/artifact_store.h"

namespace ferry::artifacts {

// Creates `root` if needed.
Result<std::unique_ptr<ArtifactStore>> OpenLocalArtifactStore(
    const std::string& root);

}  // namespace ferry::artifacts
