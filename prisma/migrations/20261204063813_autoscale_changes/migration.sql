-- CreateTable
CREATE TABLE "autoscale_changes" (
    "id" UUID NOT NULL,
    "app_id" TEXT NOT NULL,
    "component" TEXT NOT NULL,
    "from_count" INTEGER NOT NULL,
    "to_count" INTEGER NOT NULL,
    "ready" INTEGER NOT NULL,
    "running" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "autoscale_changes_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "autoscale_changes_app_id_component_created_at_idx" ON "autoscale_changes"("app_id", "component", "created_at");
