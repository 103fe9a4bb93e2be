// CPrefetch is a header of static inline functions (include/CPrefetch.h); a C target needs one
// source file.
#include "CPrefetch.h"
