"""The REST API (DRF): input/output serializers, thin views, permissions, one error shape."""
