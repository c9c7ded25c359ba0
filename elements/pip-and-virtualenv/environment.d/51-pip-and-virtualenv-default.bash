# shellcheck shell=bash
# pip and virtualenv come from the distribution's packages; DIB's deprecated source install (get-pip.py
# over the packaged pip, Python 2 alongside) is refused.
export DIB_INSTALLTYPE_pip_and_virtualenv=${DIB_INSTALLTYPE_pip_and_virtualenv:-package}
if [ "$DIB_INSTALLTYPE_pip_and_virtualenv" != package ]; then
    echo "*** pip-and-virtualenv: only the package install type is supported (DIB_INSTALLTYPE_pip_and_virtualenv=${DIB_INSTALLTYPE_pip_and_virtualenv})" >&2
    return 1
fi
# while dib-python exists (pre-install.d to post-install.d, in the tree): the interpreter behind it,
# so no script is left with #!/usr/local/bin/dib-python
if [ -L /usr/local/bin/dib-python ]; then
    _dib_python_path=$(readlink /usr/local/bin/dib-python)
    export DIB_PYTHON_PIP="$_dib_python_path -m pip"
    export DIB_PYTHON_VIRTUALENV="$_dib_python_path -m venv"
    unset _dib_python_path
fi
