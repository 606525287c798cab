// tools/cli/cli.cc: command-line parsing.
#include "tools/cli/cli.h"

#include <cmath>
#include <cstdlib>
#include <string_view>

namespace dw::tools {

Result<Args> Args::Parse(int argc, char** argv, int first, const FlagSpec& spec) {
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      args.positional_.push_back(a);
      continue;
    }
    std::string name = a;
    std::optional<std::string> value;
    if (size_t eq = a.find('='); eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
    }
    if (spec.boolean.count(name)) {
      if (value) return Status(ErrorCode::kInvalidArgument, "option " + name + " takes no value");
      args.values_[name].push_back("true");
    } else if (spec.lists.count(name)) {
      auto& values = args.values_[name];
      if (value) {
        values.push_back(*value);
      } else {
        if (i + 1 >= argc || std::string_view(argv[i + 1]).rfind("--", 0) == 0) {
          return Status(ErrorCode::kInvalidArgument, "option " + name + " needs a value");
        }
        // --trace a b c: every argument up to the next option.
        while (i + 1 < argc && std::string_view(argv[i + 1]).rfind("--", 0) != 0) values.push_back(argv[++i]);
      }
    } else if (spec.with_value.count(name)) {
      if (!value) {
        if (i + 1 >= argc) return Status(ErrorCode::kInvalidArgument, "option " + name + " needs a value");
        value = argv[++i];
      }
      args.values_[name].push_back(*value);
    } else {
      return Status(ErrorCode::kInvalidArgument, "unknown option " + name);
    }
  }
  return args;
}

std::optional<std::string> Args::Get(const std::string& flag) const {
  auto it = values_.find(flag);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::All(const std::string& flag) const {
  auto it = values_.find(flag);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

Result<std::string> Args::Required(const std::string& flag) const {
  auto v = Get(flag);
  if (!v || v->empty()) return Status(ErrorCode::kInvalidArgument, "missing " + flag);
  return *v;
}

Result<std::optional<double>> Args::Seconds(const std::string& flag) const {
  auto v = Get(flag);
  if (!v) return std::optional<double>();
  char* end = nullptr;
  double d = std::strtod(v->c_str(), &end);
  if (v->empty() || end == nullptr || *end != '\0' || !std::isfinite(d) || d <= 0) {
    return Status(ErrorCode::kInvalidArgument, flag + " must be a positive number of seconds, not '" + *v + "'");
  }
  return std::optional<double>(d);
}

}  // namespace dw::tools
