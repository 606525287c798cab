// tools/trace_packages_main.cc: dw_trace_packages ROOT TRACE... adds to each
// trace, in place, the packages of its programs under ROOT's dpkg database
// (tools/trace_packages.h): how testdata/'s traces recorded before trace
// format 2 got theirs, on the host that recorded them.
#include <cstdio>
#include <string>

#include "tools/trace_packages.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: dw_trace_packages ROOT TRACE...\n");
    return 2;
  }
  const std::string root = argv[1];
  for (int i = 2; i < argc; ++i) {
    dw::Result<size_t> added = dw::tools::AddRecordedPackages(argv[i], argv[i], root);
    if (!added) {
      std::fprintf(stderr, "dw_trace_packages: %s\n", added.error().message().c_str());
      return 1;
    }
    std::printf("%s: %zu packages added\n", argv[i], *added);
  }
  return 0;
}
