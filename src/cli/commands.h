// `ferry` subcommands. Each Add*Command registers its CLI11 subcommand and
// the callback that runs it; the callback sets `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace ferry::cli {

void AddServerCommand(CLI::App& app, int& exit_code);
// `ferry serve`: a data-plane replica (serve_command.cc).
void AddServeCommand(CLI::App& app, int& exit_code);
void AddClientCommands(CLI::App& app, int& exit_code);
// `ferry drift`: offline data drift between two CSV files (drift_command.cc).
void AddDriftCommand(CLI::App& app, int& exit_code);
// `ferry check`: a CSV against an expectation suite (check_command.cc).
void AddCheckCommand(CLI::App& app, int& exit_code);
// `ferry pipeline check|run|manifests`: pipelines on this machine and their
// Kubernetes Jobs (pipeline_command.cc); the server's pipeline commands are
// added to it by AddClientCommands (pipeline_remote_commands.cc).
void AddPipelineCommand(CLI::App& app, int& exit_code);
// `ferry step NAME --with JSON`: one built-in pipeline step (step_command.cc),
// as the pipeline runner starts it.
void AddStepCommand(CLI::App& app, int& exit_code);

}  // namespace ferry::cli
