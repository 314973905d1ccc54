# The 'torch' engine (libtorch dense baseline). include() this from core/engines/CMakeLists.txt
# when SPARSESCOPE_HAVE_TORCH is ON (find_package(Torch) already ran at the top level):
#
#   if(SPARSESCOPE_HAVE_TORCH)
#     include(${CMAKE_CURRENT_LIST_DIR}/torch.cmake)
#   endif()
#
# Only torch_engine.cpp sees libtorch's headers and flags; the rest of core compiles as before.
if(NOT TARGET sparsescope_core)
  message(FATAL_ERROR "torch.cmake must be included after add_library(sparsescope_core).")
endif()

target_sources(sparsescope_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/torch_engine.cpp)
ss_torch_sources(sparsescope_core ${CMAKE_CURRENT_LIST_DIR}/torch_engine.cpp)

# Link only: the imported 'torch' target also carries compile options/definitions that must not
# reach every source of core. PUBLIC so that executables linking the static core get libtorch.
set(_ss_torch_link)
foreach(_lib IN LISTS TORCH_LIBRARIES)
  list(APPEND _ss_torch_link "$<LINK_ONLY:${_lib}>")
endforeach()
target_link_libraries(sparsescope_core PUBLIC ${_ss_torch_link})
unset(_ss_torch_link)

target_compile_definitions(sparsescope_core PUBLIC SPARSESCOPE_HAVE_TORCH=1)
