-- CreateTable
CREATE TABLE "usage_daily" (
    "tenant_id" UUID NOT NULL,
    "mode" "Mode" NOT NULL,
    "day" DATE NOT NULL,
    "project_id" TEXT NOT NULL DEFAULT '',
    "external_user_id" TEXT NOT NULL DEFAULT '',
    "requests" BIGINT NOT NULL DEFAULT 0,
    "generations" INTEGER NOT NULL DEFAULT 0,
    "input_tokens" BIGINT NOT NULL DEFAULT 0,
    "output_tokens" BIGINT NOT NULL DEFAULT 0,
    "sandbox_seconds" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "usage_daily_pkey" PRIMARY KEY ("tenant_id","mode","day","project_id","external_user_id")
);

-- CreateTable
CREATE TABLE "end_user_budgets" (
    "tenant_id" UUID NOT NULL,
    "mode" "Mode" NOT NULL,
    "external_user_id" TEXT NOT NULL,
    "generations_per_day" INTEGER,
    "tokens_per_day" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "end_user_budgets_pkey" PRIMARY KEY ("tenant_id","mode","external_user_id")
);

-- CreateIndex
CREATE INDEX "usage_daily_tenant_id_mode_external_user_id_day_idx" ON "usage_daily"("tenant_id", "mode", "external_user_id", "day");
