"""The fastest CPU libraries a user could assemble instead of AIA Studio, timed for the bench.

python3 bench/peers.py warp|rl [--repeat N] [--threads T] [--size N]

warp: OpenCV warpAffine (INTER_CUBIC and INTER_LINEAR) of an N×N float32 frame by a small rotation,
      scale and shift, as register applies, into a preallocated output.
rl:   Richardson-Lucy, 25 iterations, on an N×N float32 frame with FFTW (pyfftw: float32 r2c/c2r
      plans made with FFTW_MEASURE, all threads, aligned buffers): 4 transforms per iteration, the
      products and the ratio in numpy, in place.

Prints one JSON line: seconds (the median of the repeats after one warm-up) and what was used; or
{"available": false, "reason": ...} when the Debian package (python3-opencv, python3-pyfftw) is
missing. Timings only: the data are random and the results are not looked at.
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np


def timed(function, repeat, warm_up=None):
    (warm_up or function)()  # first touch of the buffers, thread pools, caches
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), runs


def warp(size, repeat, threads):
    try:
        import cv2
    except ImportError as error:
        return {"available": False, "reason": f"OpenCV for python3 missing ({error}): apt-get install python3-opencv"}
    cv2.setNumThreads(threads)
    frame = np.random.default_rng(0).random((size, size), dtype=np.float32)
    out = np.empty_like(frame)
    # What register applies to an AIA frame: a rotation of a few tenths of a degree about the Sun's
    # centre, a scale near 1 and a shift of a few pixels.
    centre = ((size - 1) / 2 + 3.2, (size - 1) / 2 - 1.7)
    matrix = cv2.getRotationMatrix2D(centre, 0.13, 1.0017)
    result = {"available": True, "library": f"OpenCV {cv2.__version__}", "threads": threads, "size": size}
    for name, flag in (("cubic", cv2.INTER_CUBIC), ("linear", cv2.INTER_LINEAR)):
        seconds, runs = timed(
            lambda flag=flag: cv2.warpAffine(
                frame, matrix, (size, size), dst=out, flags=flag, borderMode=cv2.BORDER_CONSTANT, borderValue=0
            ),
            repeat,
        )
        result[name] = {"seconds": seconds, "runs": runs}
    return result


def richardson_lucy(size, repeat, threads, iterations=25):
    try:
        import pyfftw
    except ImportError as error:
        return {"available": False, "reason": f"pyfftw for python3 missing ({error}): apt-get install python3-pyfftw"}
    real = pyfftw.empty_aligned((size, size), dtype="float32")
    spectrum = pyfftw.empty_aligned((size, size // 2 + 1), dtype="complex64")
    start = time.perf_counter()
    forward = pyfftw.FFTW(real, spectrum, axes=(0, 1), flags=("FFTW_MEASURE",), threads=threads)
    backward = pyfftw.FFTW(
        spectrum, real, axes=(0, 1), direction="FFTW_BACKWARD", flags=("FFTW_MEASURE",), threads=threads
    )
    plan_seconds = time.perf_counter() - start

    rng = np.random.default_rng(0)
    image = (rng.random((size, size), dtype=np.float32) * 1000 + 1).astype(np.float32)
    # A normalised Gaussian PSF centred at the origin; FFTW's transforms are unnormalised, so the
    # transfer function carries the 1/N² of the inverse.
    y = np.minimum(np.arange(size), size - np.arange(size)).astype(np.float32)
    psf = np.exp(-(y[:, None] ** 2 + y[None, :] ** 2) / (2 * 2.0**2)).astype(np.float32)
    psf /= psf.sum()
    real[:] = psf
    forward.execute()
    transfer = (spectrum / np.float32(size * size)).astype(np.complex64)
    transfer_conj = np.conj(transfer)
    estimate = np.empty_like(image)

    def deconvolve(steps=iterations):
        estimate[:] = image
        for _ in range(steps):
            real[:] = estimate
            forward.execute()
            np.multiply(spectrum, transfer, out=spectrum)
            backward.execute()
            np.divide(image, real, out=real)
            forward.execute()
            np.multiply(spectrum, transfer_conj, out=spectrum)
            backward.execute()
            np.multiply(estimate, real, out=estimate)

    seconds, runs = timed(deconvolve, repeat, warm_up=lambda: deconvolve(1))
    one_transform, _ = timed(forward.execute, max(repeat, 5))
    return {
        "available": True,
        "library": f"FFTW via pyfftw {pyfftw.__version__}",
        "threads": threads,
        "size": size,
        "iterations": iterations,
        "seconds": seconds,
        "runs": runs,
        "rfft2Seconds": one_transform,
        "planSeconds": plan_seconds,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("peer", choices=["warp", "rl"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--size", type=int, default=4096)
    args = parser.parse_args()
    run = warp if args.peer == "warp" else richardson_lucy
    print(json.dumps(run(args.size, args.repeat, args.threads)))


if __name__ == "__main__":
    sys.exit(main())
