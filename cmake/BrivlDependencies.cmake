# Third-party dependencies of brivl_core and the programs, as imported targets.
# Debian 12 packages are listed in packaging/debian-build-deps.txt; another LibTorch (e.g. the
# official 2.x CUDA build) is picked up through CMAKE_PREFIX_PATH.

find_package(Torch REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.9 REQUIRED)
find_package(CLI11 CONFIG REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc)
pkg_check_modules(STB REQUIRED IMPORTED_TARGET stb)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
find_package(SQLite3 REQUIRED)

# LibTorch's CMake config exports plain variables; wrap them in one interface target.
if(NOT TARGET brivl::torch)
  add_library(brivl_torch INTERFACE)
  add_library(brivl::torch ALIAS brivl_torch)
  target_link_libraries(brivl_torch INTERFACE ${TORCH_LIBRARIES})
  separate_arguments(_brivl_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
  target_compile_options(brivl_torch INTERFACE ${_brivl_torch_flags})
endif()

# yaml-cpp 0.7 exports `yaml-cpp`, newer versions `yaml-cpp::yaml-cpp`.
if(TARGET yaml-cpp::yaml-cpp)
  set(BRIVL_YAML_TARGET yaml-cpp::yaml-cpp)
else()
  set(BRIVL_YAML_TARGET yaml-cpp)
endif()

# OpenCV: its CMake config when installed (libopencv-dev), else just the two libraries we use
# (Debian's libopencv-imgcodecs-dev ships no config file).
set(BRIVL_HAVE_OPENCV OFF)
if(BRIVL_WITH_OPENCV)
  find_package(OpenCV QUIET COMPONENTS core imgcodecs)
  if(OpenCV_FOUND)
    add_library(brivl_opencv INTERFACE)
    target_link_libraries(brivl_opencv INTERFACE ${OpenCV_LIBS})
    target_include_directories(brivl_opencv INTERFACE ${OpenCV_INCLUDE_DIRS})
    set(BRIVL_HAVE_OPENCV ON)
  else()
    find_path(BRIVL_OPENCV_INCLUDE opencv2/imgcodecs.hpp PATH_SUFFIXES opencv4)
    find_library(BRIVL_OPENCV_CORE opencv_core)
    find_library(BRIVL_OPENCV_IMGCODECS opencv_imgcodecs)
    if(BRIVL_OPENCV_INCLUDE AND BRIVL_OPENCV_CORE AND BRIVL_OPENCV_IMGCODECS)
      add_library(brivl_opencv INTERFACE)
      target_link_libraries(brivl_opencv INTERFACE ${BRIVL_OPENCV_IMGCODECS} ${BRIVL_OPENCV_CORE})
      target_include_directories(brivl_opencv INTERFACE ${BRIVL_OPENCV_INCLUDE})
      set(BRIVL_HAVE_OPENCV ON)
    endif()
  endif()
  # MP4 export of imagination progressions: OpenCV videoio (with its FFmpeg backend), optional.
  set(BRIVL_HAVE_OPENCV_VIDEOIO OFF)
  if(BRIVL_HAVE_OPENCV)
    find_library(BRIVL_OPENCV_VIDEOIO opencv_videoio)
    find_path(BRIVL_OPENCV_VIDEOIO_INCLUDE opencv2/videoio.hpp PATH_SUFFIXES opencv4)
    if(BRIVL_OPENCV_VIDEOIO AND BRIVL_OPENCV_VIDEOIO_INCLUDE)
      target_link_libraries(brivl_opencv INTERFACE ${BRIVL_OPENCV_VIDEOIO})
      set(BRIVL_HAVE_OPENCV_VIDEOIO ON)
    else()
      message(STATUS "OpenCV videoio not found: MP4 export disabled (GIF still works)")
    endif()
  endif()
  if(NOT BRIVL_HAVE_OPENCV)
    message(WARNING "OpenCV (core, imgcodecs) not found: images are decoded with stb_image only; "
                    "JPEG pixels may then differ slightly from the official (libjpeg) pipeline")
  endif()
endif()

# FAISS (BRIVL_WITH_FAISS): approximate nearest neighbours for large indexes. Debian's faiss target
# links OpenMP::OpenMP_CXX but its config file does not look for OpenMP, so we do.
set(BRIVL_HAVE_FAISS OFF)
if(BRIVL_WITH_FAISS)  # AUTO or ON
  find_package(OpenMP QUIET COMPONENTS CXX)
  if(OpenMP_CXX_FOUND)
    find_package(faiss CONFIG QUIET)
  endif()
  if(TARGET faiss)
    set(BRIVL_HAVE_FAISS ON)
  elseif(NOT BRIVL_WITH_FAISS STREQUAL "AUTO")
    message(FATAL_ERROR "BRIVL_WITH_FAISS=ON needs FAISS with its CMake config and OpenMP (libfaiss-dev)")
  endif()
  message(STATUS "FAISS: ${BRIVL_HAVE_FAISS}")
endif()

# Animated GIF export (giflib encodes; our quantizer picks the palette).
find_package(GIF REQUIRED)

find_package(GTest QUIET)
