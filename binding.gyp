{
  "variables": {
    "asan%": "<!(echo ${MNV4_ASAN:-0})"
  },
  "targets": [
    {
      "target_name": "mnv4_native",
      "sources": ["<!@(find native/src -name '*.cc' | sort)"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "native/src"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-Wall", "-Wextra", "-Werror", "-O3", "-march=native", "-fvisibility=hidden"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "libraries": ["-lyuv", "-ldl", "-lpthread"],
      "conditions": [
        ["asan==1", {
          "cflags": ["-fsanitize=address", "-fno-omit-frame-pointer", "-O1", "-g"],
          "ldflags": ["-fsanitize=address"]
        }]
      ]
    }
  ]
}
