"""Install the Eddy Python binding: pip install --no-build-isolation ./bindings/python

The cffi module is compiled against the Eddy named by EDDY_BUILD_DIR (a CMake build dir) or,
without it, by `pkg-config eddy` (docs/python.md, "Install")."""
from setuptools import setup

setup(
    name="eddy",
    version="0.2.0",
    description="Python binding of Eddy, the embedded durable queue-and-stream engine",
    packages=["eddy"],
    package_data={"eddy": ["py.typed"]},
    python_requires=">=3.9",
    setup_requires=["cffi>=1.15"],
    install_requires=["cffi>=1.15"],
    cffi_modules=["eddy_build.py:ffibuilder"],
    zip_safe=False,
)
