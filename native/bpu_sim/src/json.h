// A small strict JSON reader for the simulator's model files (objects, arrays, numbers, strings,
// true/false/null). Errors carry the byte offset.
#pragma once
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace bpusim {

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> arr;
  std::map<std::string, Json> obj;

  const Json* get(const std::string& key) const {
    if (kind != Object) return nullptr;
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &it->second;
  }
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& text) : s_(text) {}

  bool parse(Json* out, std::string* error) {
    if (!value(out, 0) || (ws(), pos_ != s_.size())) {
      if (err_.empty()) err_ = "unexpected trailing characters";
      *error = err_ + " at byte " + std::to_string(pos_);
      return false;
    }
    return true;
  }

 private:
  void ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) ++pos_;
  }
  bool fail(const char* what) {
    if (err_.empty()) err_ = what;
    return false;
  }
  bool lit(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(pos_, n, word) != 0) return fail("invalid literal");
    pos_ += n;
    return true;
  }
  bool string(std::string* out) {
    if (s_[pos_] != '"') return fail("expected a string");
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c == '\\') {
        if (pos_ >= s_.size()) return fail("unterminated escape");
        char e = s_[pos_++];
        switch (e) {
          case '"': out->push_back('"'); break;
          case '\\': out->push_back('\\'); break;
          case '/': out->push_back('/'); break;
          case 'n': out->push_back('\n'); break;
          case 't': out->push_back('\t'); break;
          case 'r': out->push_back('\r'); break;
          case 'b': out->push_back('\b'); break;
          case 'f': out->push_back('\f'); break;
          case 'u': {
            if (pos_ + 4 > s_.size()) return fail("short \\u escape");
            unsigned v = static_cast<unsigned>(std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16));
            pos_ += 4;
            if (v < 0x80) {
              out->push_back(static_cast<char>(v));
            } else if (v < 0x800) {
              out->push_back(static_cast<char>(0xC0 | (v >> 6)));
              out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
            } else {
              out->push_back(static_cast<char>(0xE0 | (v >> 12)));
              out->push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
              out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
            }
            break;
          }
          default: return fail("invalid escape");
        }
      } else {
        out->push_back(c);
      }
    }
    if (pos_ >= s_.size()) return fail("unterminated string");
    ++pos_;
    return true;
  }
  bool value(Json* out, int depth) {
    if (depth > 64) return fail("nesting too deep");
    ws();
    if (pos_ >= s_.size()) return fail("unexpected end");
    char c = s_[pos_];
    if (c == '{') {
      out->kind = Json::Object;
      ++pos_;
      ws();
      if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, true;
      for (;;) {
        ws();
        std::string key;
        if (pos_ >= s_.size() || !string(&key)) return fail("expected a key");
        ws();
        if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
        ++pos_;
        Json v;
        if (!value(&v, depth + 1)) return false;
        out->obj[key] = std::move(v);
        ws();
        if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
        if (pos_ < s_.size() && s_[pos_] == '}') return ++pos_, true;
        return fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      out->kind = Json::Array;
      ++pos_;
      ws();
      if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, true;
      for (;;) {
        Json v;
        if (!value(&v, depth + 1)) return false;
        out->arr.push_back(std::move(v));
        ws();
        if (pos_ < s_.size() && s_[pos_] == ',') { ++pos_; continue; }
        if (pos_ < s_.size() && s_[pos_] == ']') return ++pos_, true;
        return fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      out->kind = Json::String;
      return string(&out->str);
    }
    if (c == 't') { out->kind = Json::Bool; out->b = true; return lit("true"); }
    if (c == 'f') { out->kind = Json::Bool; out->b = false; return lit("false"); }
    if (c == 'n') { out->kind = Json::Null; return lit("null"); }
    if (c == '-' || (c >= '0' && c <= '9')) {
      const char* begin = s_.c_str() + pos_;
      char* end = nullptr;
      out->kind = Json::Number;
      out->num = std::strtod(begin, &end);
      if (end == begin) return fail("invalid number");
      pos_ += static_cast<size_t>(end - begin);
      return true;
    }
    return fail("unexpected character");
  }

  const std::string& s_;
  size_t pos_ = 0;
  std::string err_;
};

}  // namespace bpusim
