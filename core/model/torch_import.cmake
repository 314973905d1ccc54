# `sparsescope-cli import`: PyTorch state dict -> model (torch_import.cpp). Included from
# core/model/CMakeLists.txt when SPARSESCOPE_HAVE_TORCH is ON, following core/engines/torch.cmake:
# only torch_import.cpp sees libtorch's headers and TORCH_CXX_FLAGS; the rest of core is unchanged.
if(NOT TARGET sparsescope_core)
  message(FATAL_ERROR "torch_import.cmake must be included after add_library(sparsescope_core).")
endif()

target_sources(sparsescope_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/torch_import.cpp)
ss_torch_sources(sparsescope_core ${CMAKE_CURRENT_LIST_DIR}/torch_import.cpp)

# Link only (see torch.cmake); repeating what torch.cmake adds is harmless and keeps this file
# self-sufficient.
set(_ss_torch_import_link)
foreach(_lib IN LISTS TORCH_LIBRARIES)
  list(APPEND _ss_torch_import_link "$<LINK_ONLY:${_lib}>")
endforeach()
target_link_libraries(sparsescope_core PUBLIC ${_ss_torch_import_link})
unset(_ss_torch_import_link)

# Front ends test this to offer the command (the CLI says it needs libtorch otherwise).
target_compile_definitions(sparsescope_core PUBLIC SPARSESCOPE_HAVE_TORCH_IMPORT=1)
