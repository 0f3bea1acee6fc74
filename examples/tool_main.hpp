#pragma once
// How the command-line tools end: parse with CLI11, run, and turn every failure into the
// project's exit codes -- 0 success, 2 bad usage or bad input (a message on stderr naming what
// is wrong), 1 anything else.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <stdexcept>

#include "io/input_error.hpp"

namespace tools {

inline int parse_and_run(CLI::App& app, int argc, char** argv, const char* tool, const std::function<int()>& run) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    app.exit(error);  // prints CLI11's message and usage hint
    return 2;
  }
  try {
    return run();
  } catch (const io::InputError& error) {
    std::fprintf(stderr, "%s: %s\n", tool, error.what());
    return 2;
  } catch (const std::invalid_argument& error) {
    std::fprintf(stderr, "%s: %s\n", tool, error.what());
    return 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "%s: error: %s\n", tool, error.what());
    return 1;
  }
}

}  // namespace tools
