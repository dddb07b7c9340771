# Makes this folder loadable by checkov's --external-checks-dir.
