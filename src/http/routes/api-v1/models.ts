/** `GET /api/v1/models/:name/versions/:version/model.onnx`: a version's ONNX file, verified before it is sent. */
import { z } from 'zod';
import { asAppError } from '../../../errors';
import { ModelBlobError } from '../../../models/blobs';
import type { ModelRegistry } from '../../../models/registry';
import { defineRoute, errorSchema, type ApiRoute } from '../../route';
import { slotsOf } from './command';

const promote = slotsOf('promote_model');

export function modelFileRoute(models: ModelRegistry): ApiRoute {
  return defineRoute({
    tag: 'models',
    method: 'GET',
    url: '/api/v1/models/:name/versions/:version/model.onnx',
    summary: "A model version's ONNX file",
    description:
      "The bytes of the version's ONNX bundle (`application/octet-stream`), checked against the sha256 it was " +
      'registered with: a file that is missing or corrupt on disk answers 500 with a clear message, never bad bytes.',
    access: { permission: 'read', by: 'route' },
    params: z.strictObject({
      name: promote.model.unwrap().max(64, 'at most 64 characters').describe('the model name'),
      version: z.coerce.number().int().min(1, 'at least 1').describe('the version number'),
    }),
    responses: {
      200: { description: 'the ONNX file (application/octet-stream)' },
      404: { description: 'no such model or version', schema: errorSchema },
      500: { description: 'the file is missing or corrupt on the control plane', schema: errorSchema },
    },
    handler: async ({ req, reply, params }) => {
      try {
        const bytes = await models.onnx(params.name, params.version);
        return reply
          .status(200)
          .header('content-type', 'application/octet-stream')
          .header('content-disposition', `attachment; filename="${params.name}-v${params.version}.onnx"`)
          .send(bytes);
      } catch (err) {
        const e = asAppError(err);
        if (e.code === 'not_found')
          return reply.status(404).send({ error: 'not_found', message: e.userMessage, request_id: req.id });
        if (err instanceof ModelBlobError) {
          req.log2.error('model file unusable', { err: e });
          return reply
            .status(500)
            .send({ error: `model_file_${err.reason}`, message: e.userMessage, request_id: req.id });
        }
        throw err;
      }
    },
  });
}
