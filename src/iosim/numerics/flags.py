"""How the shared numerics are compiled for the CPU, and the model kernels' matching flags.

``fastmath={"contract", "arcp", "nsz"}``: fused multiply-adds, reciprocal multiplication and no
signed zeros, none of which lets the compiler assume that values are finite (the NaN/inf
checks stay exact). ``error_model="numpy"``: a division by zero gives inf/NaN, not an exception.
"""

from numba import njit

FASTMATH = {"contract", "arcp", "nsz"}
#: Inlined into the calling kernel at numba IR level: the kernel compiles as one function, as if
#: written out by hand, so array reference counting and call overheads do not reach its inner loop.
kernel = njit(inline="always", nogil=True, error_model="numpy", fastmath=FASTMATH)
