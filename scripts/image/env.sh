# Shared by the image scripts: where buildah keeps its images, and how it is called.
# Storage is private to these scripts (vfs: works without overlay or fuse), outside the checkout
# so that jest and git never walk it.
IMAGE_WORK=${IMAGE_WORK:-/var/tmp/smartcloudops-image}
BUILDAH_ROOT=${BUILDAH_ROOT:-$IMAGE_WORK/storage}
IMAGE_CACHE=${IMAGE_CACHE:-$IMAGE_WORK/cache}
IMAGE_TAG=${IMAGE_TAG:-localhost/smartcloudops:test}
export IMAGE_WORK BUILDAH_ROOT IMAGE_CACHE IMAGE_TAG
buildah=(buildah --root "$BUILDAH_ROOT" --runroot "$IMAGE_WORK/run" --storage-driver vfs)
