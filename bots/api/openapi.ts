/** The OpenAPI 3.1 document for the REST API, served at /api/openapi.json. */

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        reset_at: { type: ['string', 'null'], format: 'date-time' },
      },
    },
  },
} as const;

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

const requestProperties = {
  prompt: { type: 'string', minLength: 1, maxLength: 2000, description: 'What should happen.' },
  provider: { type: 'string', description: 'A provider name; the deployment default if absent.' },
  model: { type: 'string' },
  duration: { type: 'integer', minimum: 1, maximum: 60, description: 'Seconds; default 5.' },
  ratio: { type: 'string', enum: ['16:9', '9:16', '1:1'], default: '16:9' },
  webhook_url: { type: 'string', format: 'uri', description: 'https URL told the final status.' },
} as const;

/** The document, with the server URL of the deployment that serves it. */
export function openApiDocument(serverUrl: string) {
  return {
    openapi: '3.1.0',
    info: {
      title: 'reelbot API',
      version: '1.0.0',
      description:
        'Turn an image and a prompt (or a prompt alone) into a video. Create a task, then poll ' +
        'its status until it is completed and play output_video_url.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths: {
      '/api/generate-video': {
        post: {
          summary: 'Create a video task',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: { type: 'string', maxLength: 255 },
              description: 'Same key and body: the same task. Same key, other body: 409.',
            },
          ],
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['prompt'],
                  properties: {
                    image: { type: 'string', format: 'binary', description: 'JPEG, PNG or WebP' },
                    last_frame: {
                      type: 'string',
                      format: 'binary',
                      description:
                        'The image the video ends on (needs image and a model that takes one)',
                    },
                    ...requestProperties,
                  },
                },
              },
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['prompt'],
                  additionalProperties: false,
                  properties: {
                    image_url: { type: 'string', format: 'uri', description: 'Public https URL' },
                    last_frame_url: {
                      type: 'string',
                      format: 'uri',
                      description: 'Public https URL of the image the video ends on',
                    },
                    ...requestProperties,
                  },
                },
              },
            },
          },
          responses: {
            '202': {
              description: 'Task created',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/TaskCreated' } },
              },
            },
            '200': {
              description: 'An idempotent replay: the task the same key created before',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/TaskCreated' } },
              },
            },
            '400': errorResponse('Bad input'),
            '401': errorResponse('Missing or bad API key'),
            '403': errorResponse('Account banned'),
            '409': errorResponse('Idempotency-Key reused with another body'),
            '413': errorResponse('Image or body too large'),
            '415': errorResponse('Unsupported content type or image type'),
            '429': errorResponse('Over quota; Retry-After and reset_at say when it resets'),
          },
        },
      },
      '/api/task-status/{id}': {
        get: {
          summary: 'Read a task',
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          ],
          responses: {
            '200': {
              description: 'The task',
              content: {
                'application/json': { schema: { $ref: '#/components/schemas/TaskStatus' } },
              },
            },
            '401': errorResponse('Missing or bad API key'),
            '404': errorResponse('No such task for this key'),
          },
        },
      },
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: errorSchema,
        TaskCreated: {
          type: 'object',
          required: ['id', 'status', 'status_url'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            status: { $ref: '#/components/schemas/Status' },
            status_url: { type: 'string', format: 'uri' },
          },
        },
        Status: {
          type: 'string',
          enum: ['pending', 'processing', 'completed', 'failed', 'canceled'],
        },
        TaskStatus: {
          type: 'object',
          required: ['id', 'status', 'progress', 'prompt', 'provider', 'output_video_url', 'error'],
          properties: {
            id: { type: 'string', format: 'uuid' },
            status: { $ref: '#/components/schemas/Status' },
            progress: { type: 'integer', minimum: 0, maximum: 100 },
            prompt: { type: 'string' },
            provider: { type: 'string' },
            output_video_url: {
              type: ['string', 'null'],
              format: 'uri',
              description: 'A time-limited link to the MP4, once completed',
            },
            error: {
              oneOf: [
                { type: 'null' },
                {
                  type: 'object',
                  required: ['code', 'message'],
                  properties: { code: { type: 'string' }, message: { type: 'string' } },
                },
              ],
            },
            created_at: { type: 'string', format: 'date-time' },
            updated_at: { type: 'string', format: 'date-time' },
          },
        },
      },
    },
  };
}
