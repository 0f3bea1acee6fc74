#pragma once
// How the command-line tools end: parse with CLI11, run, and turn every failure into the
// project's exit codes -- 0 success, 2 bad usage or bad input (a message on stderr naming what
// is wrong), 1 anything else.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/input_error.hpp"

namespace tools {

// The number of single-character edits that turn a into b.
inline std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// ", did you mean 'X'?" for the known word closest to `word` (at most two edits away, or one
// a prefix of the other), else "".
inline std::string did_you_mean(const std::string& word, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 3;
  for (const std::string& candidate : known) {
    const bool prefix = candidate.rfind(word, 0) == 0 || word.rfind(candidate, 0) == 0;
    const std::size_t distance = prefix ? 1 : edit_distance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best.empty() ? "" : "; did you mean '" + best + "'?";
}

// A message for the first word of argv that names no command or option of `app` -- with the
// closest one it might have meant -- or "" when every word is known. CLI11's own messages for
// these ("A subcommand is required", "--model is required" after a misspelt --model) do not
// say what was wrong.
inline std::string unknown_word(const CLI::App& app, int argc, char** argv) {
  const CLI::App* command = &app;
  int first = 1;
  const std::vector<const CLI::App*> subcommands = app.get_subcommands([](const CLI::App*) { return true; });
  if (!subcommands.empty() && argc > 1 && argv[1][0] != '-') {
    std::vector<std::string> names;
    for (const CLI::App* sub : subcommands) {
      names.push_back(sub->get_name());
      if (sub->get_name() == argv[1]) command = sub;
    }
    if (command == &app) return std::string("unknown command '") + argv[1] + "'" + did_you_mean(argv[1], names);
    first = 2;
  }
  std::vector<std::string> options, taking_values;  // the latter expect a value after them
  for (const CLI::App* owner : {command, &app}) {
    for (const CLI::Option* option : owner->get_options()) {
      for (const std::string& name : option->get_lnames()) {
        options.push_back("--" + name);
        if (option->get_items_expected_min() > 0) taking_values.push_back("--" + name);
      }
    }
  }
  for (int i = first; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--") break;  // what follows is not options
    const std::string word = argument.substr(0, argument.find('='));
    if (word.rfind("--", 0) != 0) continue;
    if (std::find(options.begin(), options.end(), word) == options.end()) {
      const std::string where = command == &app ? app.get_name() : app.get_name() + " " + command->get_name();
      return "unknown option '" + word + "' for '" + where + "'" + did_you_mean(word, options);
    }
    const bool value_follows =
        word == argument && std::find(taking_values.begin(), taking_values.end(), word) != taking_values.end();
    if (value_follows) ++i;  // its value may itself start with "--"
  }
  return "";
}

// For options held in unsigned types (counts, sizes, seeds): refuses a negative number, which
// the conversion would otherwise wrap to 2^64 - n (--hidden -5, --limit -1).
inline CLI::Validator not_negative() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const std::size_t first = text.find_first_not_of(" \t");
        return first != std::string::npos && text[first] == '-'
                   ? text + " is negative: give a whole number of 0 or more"
                   : "";
      },
      "NON-NEGATIVE");
}

inline int parse_and_run(CLI::App& app, int argc, char** argv, const char* tool, const std::function<int()>& run) {
  const std::string unknown = unknown_word(app, argc, argv);
  if (!unknown.empty()) {
    std::fprintf(stderr, "%s: %s\nRun with --help for more information.\n", tool, unknown.c_str());
    return 2;
  }
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
