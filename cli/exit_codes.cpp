// exit_codes.cpp — the exit codes of interface.md for the error kinds of the libraries. The
// mapping lives here, in the program, because exit codes are the program's interface; storage
// only says what went wrong (StorageError::Kind).
#include "options.hpp"

namespace nulmeting::cli {

int exit_code_for(const storage::StorageError& e) {
  switch (e.kind) {
    // Bad input: the user named a missing or wrong file, a run that is not there, or a
    // database another scan is using; nothing was written.
    case storage::StorageError::Kind::NotFound:
    case storage::StorageError::Kind::BadDatabase:
    case storage::StorageError::Kind::NewerSchema:
    case storage::StorageError::Kind::Locked:
    case storage::StorageError::Kind::NoSuchRun:
      return kBadInput;
    case storage::StorageError::Kind::Io:
    case storage::StorageError::Kind::Internal:
      return kInternal;
  }
  return kInternal;
}

}  // namespace nulmeting::cli
