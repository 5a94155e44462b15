"""Placeholder"""
def exception_handler(exc, context):
    from rest_framework.views import exception_handler as h
    return h(exc, context)
