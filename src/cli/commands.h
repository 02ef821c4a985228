// `ferry` subcommands. Each Add*Command registers its CLI11 subcommand and
// the callback that runs it; the callback sets `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace ferry::cli {

void AddServerCommand(CLI::App& app, int& exit_code);
void AddClientCommands(CLI::App& app, int& exit_code);

}  // namespace ferry::cli
