// tools/cli/report_browser_test.cc: `driftwatch report` as a person sees it. The
// real binary writes the page from a real database; headless Chromium
// (Debian's `chromium`) loads it from disk with the network off, its DOM must
// hold every node of the incident's process tree and the hostile path as
// inert text, and its screenshot must not be blank (decoded here with zlib).
// Labelled `browser`; skips without chromium unless DW_REQUIRE_BROWSER is set
// (as in CI). DW_REPORT_SCREENSHOT=FILE keeps the screenshot (the README's).
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "store/store.h"
#include "tools/testing/report_sample.h"

namespace dw::tools {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

int Shell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

struct Image {
  uint32_t width = 0, height = 0;
  std::vector<uint32_t> rgb;  // 0xRRGGBB per pixel
};

uint32_t Be32(const std::string& s, size_t at) {
  return (uint32_t{static_cast<uint8_t>(s[at])} << 24) | (uint32_t{static_cast<uint8_t>(s[at + 1])} << 16) |
         (uint32_t{static_cast<uint8_t>(s[at + 2])} << 8) | uint32_t{static_cast<uint8_t>(s[at + 3])};
}

int Paeth(int a, int b, int c) {
  int p = a + b - c, pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

// An 8-bit RGB or RGBA, non-interlaced PNG; the error says what else it was.
std::string DecodePng(const std::string& png, Image* img) {
  if (png.size() < 8 || png.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return "not a PNG";
  std::string idat;
  int depth = 0, type = 0, interlace = 0;
  for (size_t at = 8; at + 8 <= png.size();) {
    uint32_t len = Be32(png, at);
    std::string kind = png.substr(at + 4, 4);
    if (at + 12 + len > png.size()) return "truncated chunk " + kind;
    if (kind == "IHDR") {
      img->width = Be32(png, at + 8);
      img->height = Be32(png, at + 12);
      depth = static_cast<uint8_t>(png[at + 16]);
      type = static_cast<uint8_t>(png[at + 17]);
      interlace = static_cast<uint8_t>(png[at + 20]);
    } else if (kind == "IDAT") {
      idat += png.substr(at + 8, len);
    }
    at += 12 + len;
  }
  if (depth != 8 || (type != 2 && type != 6) || interlace != 0) {
    return "unsupported PNG (depth " + std::to_string(depth) + ", colour type " + std::to_string(type) + ")";
  }
  const size_t bpp = type == 6 ? 4 : 3, stride = img->width * bpp;
  std::vector<uint8_t> raw((stride + 1) * img->height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_len != raw.size()) {
    return "IDAT does not inflate to the image size";
  }
  std::vector<uint8_t> prev(stride, 0), cur(stride);
  for (uint32_t y = 0; y < img->height; ++y) {
    const uint8_t* line = &raw[y * (stride + 1)];
    for (size_t x = 0; x < stride; ++x) {
      int a = x >= bpp ? cur[x - bpp] : 0, b = prev[x], c = x >= bpp ? prev[x - bpp] : 0;
      int v = line[1 + x];
      switch (line[0]) {
        case 0: break;
        case 1: v += a; break;
        case 2: v += b; break;
        case 3: v += (a + b) / 2; break;
        case 4: v += Paeth(a, b, c); break;
        default: return "bad filter type";
      }
      cur[x] = static_cast<uint8_t>(v);
    }
    for (uint32_t x = 0; x < img->width; ++x) {
      const uint8_t* p = &cur[x * bpp];
      img->rgb.push_back((uint32_t{p[0]} << 16) | (uint32_t{p[1]} << 8) | p[2]);
    }
    prev.swap(cur);
  }
  return "";
}

TEST(ReportBrowserTest, ChromiumRendersTheIncidentTreeAndHostilePathsStayText) {
  if (Shell("command -v chromium >/dev/null 2>&1") != 0) {
    if (std::getenv("DW_REQUIRE_BROWSER") != nullptr) FAIL() << "chromium is required (DW_REQUIRE_BROWSER)";
    GTEST_SKIP() << "chromium not installed (tools/scripts/install-deps.sh); run: ctest --test-dir build -L browser";
  }
  const fs::path tmp = fs::temp_directory_path() / ("dw-report-" + std::to_string(getpid()));
  fs::create_directories(tmp);
  struct Cleanup {
    fs::path p;
    ~Cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } cleanup{tmp};
  const std::string db = (tmp / "dw.db").string(), html = (tmp / "report.html").string();
  {
    auto store = store::Store::Open(db, store::OpenMode::kReadWrite);
    ASSERT_TRUE(store) << store.error().message();
    ASSERT_TRUE((*store)->SaveFingerprints({testing::ReportFingerprint()}, testing::kReportT0).ok());
    std::vector<model::Finding> findings = testing::ReportFindings();
    std::vector<model::Finding*> ptrs;
    for (auto& f : findings) ptrs.push_back(&f);
    ASSERT_TRUE((*store)->UpsertFindings(ptrs).ok());
  }
  ASSERT_EQ(Shell(std::string(DW_BINARY) + " report --db " + db + " --out " + html + " 2>" + (tmp / "err").string()),
            0)
      << Slurp((tmp / "err").string());

  const std::string chromium =
      "timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
      "--disable-component-update --no-first-run --user-data-dir=" +
      (tmp / "profile").string() + " --window-size=1280,2000 ";
  const std::string dom = (tmp / "dom.html").string(), png = (tmp / "shot.png").string();
  ASSERT_EQ(Shell(chromium + "--dump-dom file://" + html + " >" + dom + " 2>/dev/null"), 0);
  const std::string d = Slurp(dom);
  for (const char* pid : {"300", "301", "302", "303"}) {
    EXPECT_NE(d.find(std::string("data-pid=\"") + pid + "\""), std::string::npos) << "tree node pid " << pid;
  }
  EXPECT_NE(d.find("id=\"incident-1\""), std::string::npos);
  EXPECT_NE(d.find("item sev-critical"), std::string::npos);
  // The hostile path is text in the DOM, and its script never ran.
  EXPECT_NE(d.find("/tmp/&lt;script&gt;document.title='pwned'&lt;/script&gt;.sh"), std::string::npos);
  EXPECT_EQ(d.find("<script"), std::string::npos);
  EXPECT_NE(d.find("<title>driftwatch report</title>"), std::string::npos);

  ASSERT_EQ(Shell(chromium + "--screenshot=" + png + " file://" + html + " >/dev/null 2>&1"), 0);
  Image img;
  std::string err = DecodePng(Slurp(png), &img);
  ASSERT_EQ(err, "");
  EXPECT_EQ(img.width, 1280u);
  EXPECT_EQ(img.height, 2000u);
  size_t non_white = 0;
  std::set<uint32_t> colours;
  for (uint32_t p : img.rgb) {
    if (p != 0xffffff) ++non_white;
    colours.insert(p);
  }
  // Header, cards, tables, chart and tree: far from blank.
  EXPECT_GT(non_white, img.rgb.size() / 4) << non_white << " of " << img.rgb.size();
  EXPECT_GT(colours.size(), 50u);
  // The severity colours of the tree's items are on screen.
  EXPECT_TRUE(colours.count(0xb30021)) << "critical item colour not rendered";
  EXPECT_TRUE(colours.count(0xe5542c)) << "high item colour not rendered";
  if (const char* keep = std::getenv("DW_REPORT_SCREENSHOT")) fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
}

}  // namespace
}  // namespace dw::tools
